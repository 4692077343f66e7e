import Foundation
import ReferenceEngine
import Testing
import TinkerWire
@testable import SpecHarness

/// Where explore's generated fns sleep: only where a case tests timing (fns that can finish
/// out of order, timeouts), and only on the engine under test's side.
@Suite struct ExploreTimingTests {
    static let allCapabilities = Set(Capability.all)

    /// The sleeps a call's fns take (a delay of 0 does not sleep).
    static func delays(_ call: CallSpec) -> [Double] {
        call.allFns.compactMap(\.delayMilliseconds).filter { $0 > 0 }
    }

    @Test func aSleepIsDrawnOnlyBesideAnotherAsyncFnOrUnderATimeout() {
        let generator = CaseGenerator(capabilities: Self.allCapabilities)
        var sleeping = 0
        for number in 1...3000 {
            let generated = generator.generate(seed: 1, caseNumber: number)
            let call = generated.call
            let delays = Self.delays(call)
            guard !delays.isEmpty else { continue }
            sleeping += 1
            // A valid call sleeps so that async fns finish out of list order; an invalid one so
            // that a later fn's failure comes first in time, or to outlast a timeout.
            let others = generated.intent == "success" ? call.allFns.filter(\.isAsync).count : call.allFns.count
            #expect(others >= 2 || call.options.timeoutMilliseconds != nil,
                    "case \(number) (\(generated.intent)): a lone fn sleeps \(delays) ms with nothing to finish before or after it")
            // Without a timeout a sleep only orders fns in time: a fraction of a millisecond to a few.
            if call.options.timeoutMilliseconds == nil {
                #expect(delays.allSatisfy { $0 <= CaseGenerator.slowEarlierFnMilliseconds }, "case \(number): \(delays)")
            }
        }
        #expect(sleeping > 0, "no generated case sleeps at all")
    }

    @Test func theIdealTimingKeepsOnlySleepsThatOutlastTheTimeout() {
        var call = CallSpec(lossFn: nil, regularizers: [], options: CallOptions(), entryPoint: .call)
        for (name, delay) in [("short", 60.0), ("long", 500.0), ("plain", nil)] as [(String, Double?)] {
            call.regularizers.append(CaseGenerator.entry(
                name: .string(name), weight: .number(1), fn: FnSpec(name: "sum", isAsync: true, delayMilliseconds: delay)))
        }
        call.options.timeoutMilliseconds = 100
        var random = SeededGenerator(seed: 5)
        let generated = ExploreCase(datums: [CaseGenerator.datum(random: &random, topK: false)], call: call, intent: "success")
        #expect(Self.delays(DifferentialCheck.inIdealTiming(generated).call) == [500])
        #expect(DifferentialCheck.inIdealTiming(generated).call.options.timeoutMilliseconds == 100)
        // A fn that times out keeps the others concurrent with it, as the case has them.
        #expect(DifferentialCheck.inIdealTiming(generated).call.allFns.allSatisfy { $0.isAsync })

        var untimed = generated
        untimed.call.options.timeoutMilliseconds = nil
        #expect(Self.delays(DifferentialCheck.inIdealTiming(untimed).call).isEmpty)
        #expect(!DifferentialCheck.inIdealTiming(untimed).call.allFns.contains { $0.isAsync })
    }

    @Test func theIdealTimingDropsATimeoutNoFnOutlasts() {
        var call = CallSpec(lossFn: nil, regularizers: [], options: CallOptions(), entryPoint: .call)
        for (name, delay) in [("short", 60.0), ("plain", nil)] as [(String, Double?)] {
            call.regularizers.append(CaseGenerator.entry(
                name: .string(name), weight: .number(1), fn: FnSpec(name: "sum", isAsync: true, delayMilliseconds: delay)))
        }
        call.options.timeoutMilliseconds = 100
        var random = SeededGenerator(seed: 5)
        let generated = ExploreCase(datums: [CaseGenerator.datum(random: &random, topK: false)], call: call, intent: "success")
        let ideal = DifferentialCheck.inIdealTiming(generated).call
        #expect(Self.delays(ideal).isEmpty)
        #expect(ideal.options.timeoutMilliseconds == nil)
        // Nothing sleeps and nothing times out: each fn is called in turn, none as a task.
        #expect(!ideal.allFns.contains { $0.isAsync })
        #expect(generated.input(id: "t").call.allFns.allSatisfy { $0.isAsync })
        // The engine under test is still sent the timeout.
        #expect(generated.input(id: "t").call.options.timeoutMilliseconds == 100)
    }

    /// The reference never waits for a sleep whose fn ends within its timeout; the engine
    /// under test is sent the case as generated, sleeps and all.
    @Test func theReferenceRunsWithoutTheSleepsTheEngineIsSent() async {
        let generator = CaseGenerator(capabilities: Self.allCapabilities)
        let reference = RecordingEngine()
        let engine = RecordingEngine()
        let check = DifferentialCheck(reference: reference, engine: engine)
        var compared = 0
        for number in 1...3000 {
            let generated = generator.generate(seed: 1, caseNumber: number)
            guard !Self.delays(generated.call).isEmpty else { continue }
            _ = await check.compare(generated, id: "timing-\(number)")
            compared += 1
            if compared == 20 { break }
        }
        #expect(compared == 20)
        let sentToReference = await reference.inputs
        let sentToEngine = await engine.inputs
        #expect(sentToEngine.filter { !Self.delays($0.call).isEmpty }.count == 20)
        for input in sentToReference {
            let timeout = input.call.options.timeoutMilliseconds
            #expect(Self.delays(input.call).allSatisfy { delay in timeout.map { delay >= $0 } ?? false },
                    "the reference was asked to sleep \(Self.delays(input.call)) ms under timeout \(timeout.map { "\($0)" } ?? "none")")
        }
    }

    /// The reference, remembering every input it is given.
    actor RecordingEngine: Engine {
        private let reference = ReferenceEngine()
        private(set) var inputs: [CaseInput] = []

        nonisolated func describe() async throws -> EngineDescription { ReferenceEngine.description }

        func run(_ input: CaseInput) async throws -> Observation {
            inputs.append(input)
            return await reference.run(input)
        }
    }
}
