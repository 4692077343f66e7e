#if REGSPEC_FAULTS
import Autodiff
import Testing
import TinkerWire
import TrainingClient

/// The fault switch itself: on only inside `injecting`, inherited by child tasks, and it
/// really changes what the client sends.
@Suite("Fault switch")
struct FaultSwitchTests {
    @Test("no fault is active outside injecting, nor after it returns")
    func offByDefault() async {
        #expect(ReferenceFault.active == nil)
        await ReferenceFault.injecting(.timeoutIgnored) {
            #expect(ReferenceFault.isActive(.timeoutIgnored))
            #expect(!ReferenceFault.isActive(.weightsNotNegated))
        }
        #expect(ReferenceFault.active == nil)
        await ReferenceFault.injecting(nil) {
            #expect(ReferenceFault.active == nil)
        }
    }

    @Test("the fault reaches the child tasks that run async fns")
    func inheritedByChildTasks() async {
        let seen = await ReferenceFault.injecting(.asyncMetricsDropped) {
            await withTaskGroup(of: ReferenceFault?.self) { group in
                group.addTask { ReferenceFault.active }
                return await group.next() ?? nil
            }
        }
        #expect(seen == .asyncMetricsDropped)
    }

    @Test("a fault changes the call, and the same call without it is right")
    func faultChangesTheCall() async throws {
        let data = [Datum(modelInput: .fromInts([1, 2]), lossFnInputs: ["target_tokens": TensorData(tokens: [2, 3])])]
        let sum = Regularizer(name: "total", weight: 0.5, fn: .sync { _, logprobs in
            LossOutput(loss: try Tensor.concatenate(logprobs.map { $0.flattened() }).sum())
        })
        func sentWeights(_ fault: ReferenceFault?) async throws -> [Double] {
            let backend = FixedLogprobsBackend(logprobs: [[-1.0, -2.0]])
            let client = TrainingClient(backend: backend)
            _ = try await ReferenceFault.injecting(fault) {
                try await client.forwardBackwardCustom(data, regularizers: [sum])
            }
            return await backend.forwardBackwardRequests.first?.data.first?.lossFnInputs["weights"]?.data ?? []
        }
        // d(0.5 * sum)/d(logprobs) = 0.5 each; the weights are its negation.
        #expect(try await sentWeights(nil) == [-0.5, -0.5])
        #expect(try await sentWeights(.weightsNotNegated) == [0.5, 0.5])
    }
}
#endif
