import Autodiff
import Synchronization
import Testing
import TinkerWire
@testable import TrainingClient

/// Which task runs an async fn, and when a timer is raced against it: the cheap ways the
/// evaluator takes when the outcome cannot differ.
@Suite("Async fn tasks and timers")
struct AsyncFnTaskTests {
    /// Whether each fn ran on the task that made the call, in the order they ran.
    final class TaskWitness: Sendable {
        /// The calling task, by hash: an `UnsafeCurrentTask` itself must not be kept.
        let caller: Int?
        private let seen = Mutex<[String: Bool]>([:])

        init() { caller = withUnsafeCurrentTask { $0?.hashValue } }

        func fn(_ label: String) -> LossFunction {
            .async { [self] _, logprobs in
                let onCaller = withUnsafeCurrentTask { $0?.hashValue == caller }
                seen.withLock { $0[label] = onCaller }
                return LossOutput(loss: try sumOfAll(logprobs))
            }
        }

        var onCaller: [String: Bool] { seen.withLock { $0 } }
    }

    @Test("The last job, async, with nothing else running, is awaited on the caller's task")
    func lastLoneAsyncFnRunsOnTheCallersTask() async throws {
        let harness = FixedHarness(logprobs: [[-0.5, -1.0]])
        let witness = TaskWitness()
        let output = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { try sumOfAll($0) },
            regularizers: [Regularizer(name: "last", weight: 2, fn: witness.fn("last"))])
        #expect(witness.onCaller == ["last": true])
        #expect(output.metrics.number(at: ["loss_total"]) == -1.5 + 2 * -1.5)
    }

    @Test("An async fn with a job after it, or beside a running one, still runs as a child task")
    func otherAsyncFnsRunAsChildTasks() async throws {
        let harness = FixedHarness(logprobs: [[-0.5, -1.0]])
        let witness = TaskWitness()
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: witness.fn("first"),
            regularizers: [
                Regularizer(name: "middle", weight: 1, fn: syncFn { try sumOfAll($0) }),
                Regularizer(name: "last", weight: 1, fn: witness.fn("last")),
            ],
            options: CustomLossOptions(maxConcurrency: 2))
        #expect(witness.onCaller["first"] == false)
        // "first" may still run when "last" starts: only a lone last job skips its child task.
        #expect(witness.onCaller["last"] != nil)
    }

    @Test("No timer is raced against an async fn known to end far within the timeout")
    func knownShortFnsStartNoTimer() {
        let short = LossFunction.async(knownDuration: .milliseconds(3)) { _, logprobs in LossOutput(loss: try sumOfAll(logprobs)) }
        let unknown = LossFunction.async { _, logprobs in LossOutput(loss: try sumOfAll(logprobs)) }
        #expect(FnEvaluator.endsFarWithin(.seconds(5), short))
        #expect(!FnEvaluator.endsFarWithin(.milliseconds(100), short))
        #expect(!FnEvaluator.endsFarWithin(.seconds(5), unknown))
        let sleeper = LossFunction.async(knownDuration: .milliseconds(500)) { _, logprobs in LossOutput(loss: try sumOfAll(logprobs)) }
        #expect(!FnEvaluator.endsFarWithin(.milliseconds(5), sleeper))
    }

    @Test("A known-short fn under a far timeout still times out nothing and returns its value")
    func knownShortFnUnderTimeout() async throws {
        let harness = FixedHarness(logprobs: [[-0.5, -1.0]])
        let fn = LossFunction.async(knownDuration: .zero) { _, logprobs in LossOutput(loss: try sumOfAll(logprobs)) }
        let output = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [Regularizer(name: "r", weight: 1, fn: fn), Regularizer(name: "s", weight: 1, fn: fn)],
            options: CustomLossOptions(timeout: .seconds(5)))
        #expect(output.metrics.number(at: ["loss_total"]) == -3)
    }
}
