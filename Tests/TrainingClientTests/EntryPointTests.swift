import Autodiff
import Testing
@testable import TrainingClient

/// Semantics section 9: the awaited call and the future form give the same results.
@Suite("Entry points")
struct EntryPointTests {
    private static let regularizers = [
        Regularizer(name: "l2", weight: 0.1, fn: syncFn { try sumOfSquares($0) }),
        Regularizer(name: "async_mean", weight: -0.5, fn: asyncFn(metrics: ["async": true]) { $0[0].mean() }),
    ]
    private static let lossFn = LossFunction.sync { _, lp in LossOutput(loss: try sumOfAll(lp.map { -$0 }), metrics: ["n": 3]) }

    @Test("The future form gives the same metrics and weights as the awaited call")
    func futureMatchesAwaitedCall() async throws {
        let awaited = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let awaitedResult = try await awaited.client.forwardBackwardCustom(
            awaited.data, lossFn: Self.lossFn, regularizers: Self.regularizers)

        let submitted = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let future = submitted.client.forwardBackwardCustomFuture(
            submitted.data, lossFn: Self.lossFn, regularizers: Self.regularizers)
        let futureResult = try await future.result()

        #expect(futureResult == awaitedResult)
        #expect(try await submitted.sentWeights() == awaited.sentWeights())
    }

    @Test("The future form in legacy mode gives the legacy metrics")
    func futureInLegacyMode() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustomFuture(harness.data, lossFn: Self.lossFn).result()
        #expect(try result.metrics.requireNumber("n") == 3)
        #expect(result.metrics["loss_total"] == nil)
    }

    @Test("A failing future throws the call's error")
    func failingFutureThrowsTheError() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let future = harness.client.forwardBackwardCustomFuture(
            harness.data, regularizers: [Regularizer(name: "broken", weight: 1, fn: raisingFn("no luck"))])
        let error = try await #require(throws: CustomLossError.self) { try await future.result() }
        #expect(error.kind == .lossFnFailed)
        #expect(error.label == "broken")
        #expect(await harness.sawNoBackward)
    }

    @Test("Dictionary regularizers and typed regularizers give the same result")
    func dictionaryAndTypedFormsAgree() async throws {
        let typed = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let typedResult = try await typed.client.forwardBackwardCustom(
            typed.data, lossFn: Self.lossFn, regularizers: Self.regularizers)
        let dictionary = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let dictionaryResult = try await dictionary.client.forwardBackwardCustom(
            dictionary.data, lossFn: Self.lossFn,
            regularizerArguments: Self.regularizers.map {
                ["name": .string($0.name), "weight": .number($0.weight), "fn": .function($0.fn)]
            })
        #expect(typedResult == dictionaryResult)
    }
}
