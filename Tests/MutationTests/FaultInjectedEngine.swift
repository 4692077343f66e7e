#if REGSPEC_FAULTS
import ReferenceEngine
import SpecHarness
import TinkerWire
import TrainingClient

/// The in-process reference with one fault switched on for every case it runs.
struct FaultInjectedEngine: Engine {
    /// nil runs the reference unbroken: the baseline every fault is compared with.
    let fault: ReferenceFault?
    let reference = ReferenceEngine()

    func describe() -> EngineDescription { ReferenceEngine.description }

    func run(_ input: CaseInput) async -> Observation {
        await ReferenceFault.injecting(fault) {
            await reference.run(input)
        }
    }
}
#endif
