import Autodiff
import Foundation
import Testing
import TinkerWire
@testable import TrainingClient

/// A way a call can fail after its forward pass.
enum FailureAfterForward: String, CaseIterable, Sendable {
    case raises = "a raising fn"
    case nonFiniteLoss = "a non-finite loss"
    case invalidMetrics = "invalid metrics"
    case nonScalarLoss = "a non-scalar loss"
    case timeout = "a timed-out async fn"
    case legacyNoGradient = "legacy no_gradient"

    var expectedKind: CustomLossErrorKind {
        switch self {
        case .raises: .lossFnFailed
        case .nonFiniteLoss: .nonFiniteLoss
        case .invalidMetrics: .invalidMetrics
        case .nonScalarLoss: .nonScalarLoss
        case .timeout: .timeout
        case .legacyNoGradient: .noGradient
        }
    }

    /// Makes the failing call; a healthy base loss and regularizer come first, so the
    /// failure happens after work that would otherwise have produced a gradient.
    func call(_ client: TrainingClient, _ data: [Datum]) async throws {
        let base = syncFn { try sumOfAll($0.map { -$0 }) }
        let healthy = Regularizer(name: "healthy", weight: 0.5, fn: syncFn { try sumOfSquares($0) })
        func structured(_ failing: LossFunction, options: CustomLossOptions = CustomLossOptions()) async throws {
            _ = try await client.forwardBackwardCustom(
                data, lossFn: base, regularizers: [healthy, Regularizer(name: "failing", weight: 1, fn: failing)],
                options: options)
        }
        switch self {
        case .raises:
            try await structured(raisingFn("boom"))
        case .nonFiniteLoss:
            try await structured(syncFn { try sumOfAll($0) + .infinity })
        case .invalidMetrics:
            try await structured(.sync { _, lp in LossOutput(loss: lp[0].sum(), metrics: ["bad": nil]) })
        case .nonScalarLoss:
            try await structured(syncFn { $0[0] })
        case .timeout:
            try await structured(asyncFn(delay: untilCancelled) { $0[0].sum() }, options: CustomLossOptions(timeout: .milliseconds(5)))
        case .legacyNoGradient:
            _ = try await client.forwardBackwardCustom(data, lossFn: syncFn { _ in Tensor(scalar: 1) })
        }
    }
}

/// Semantics section 8: after any error past the forward, nothing is sent and nothing changes.
@Suite("Atomicity")
struct AtomicityTests {
    /// Valid for a 5-token bigram model: a 1-D datum and a [2, 2] one.
    static let bigramData = [
        makeDatum(input: [0, 3, 1], targets: [3, 1, 4]),
        makeDatum(input: [2, 4], targets: [1, 0, 3, 2], shape: [2, 2]),
    ]

    @Test("No backward request follows an error past the forward", arguments: FailureAfterForward.allCases)
    func noBackwardAfterError(_ failure: FailureAfterForward) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let error = try await #require(throws: CustomLossError.self) {
            try await failure.call(harness.client, harness.data)
        }
        #expect(error.kind == failure.expectedKind)
        let requests = await harness.backend.requests
        #expect(requests.map(\.kind) == [.forward], "only the forward may have been sent")
    }

    @Test("The model's parameters and accumulated gradient are unchanged by a failed call",
          arguments: FailureAfterForward.allCases)
    func bigramModelUnchangedAfterError(_ failure: FailureAfterForward) async throws {
        let model = BigramModel(vocabularySize: 5, seed: 7)
        let backend = BigramModelBackend(model: model)
        let client = TrainingClient(backend: backend)
        let error = try await #require(throws: CustomLossError.self) {
            try await failure.call(client, Self.bigramData)
        }
        #expect(error.kind == failure.expectedKind)
        #expect(await backend.accumulatedGradient.allSatisfy { $0 == 0 })
        #expect(await backend.forwardBackwardCount == 0)
        #expect(await backend.model == model)
    }

    @Test("A failed call leaves an earlier call's accumulated gradient as it was")
    func failedCallKeepsEarlierGradient() async throws {
        let backend = BigramModelBackend(model: BigramModel(vocabularySize: 5, seed: 7))
        let client = TrainingClient(backend: backend)
        _ = try await client.forwardBackwardCustom(
            Self.bigramData, lossFn: syncFn { try sumOfAll($0.map { -$0 }) },
            regularizers: [Regularizer(name: "l2", weight: 0.1, fn: syncFn { try sumOfSquares($0) })])
        let afterSuccess = await backend.accumulatedGradient
        #expect(afterSuccess.contains { $0 != 0 })
        for failure in FailureAfterForward.allCases {
            _ = try await #require(throws: CustomLossError.self) {
                try await failure.call(client, Self.bigramData)
            }
            #expect(await backend.accumulatedGradient == afterSuccess, "\(failure.rawValue) changed the gradient")
        }
        #expect(await backend.forwardBackwardCount == 1)
    }

    @Test("A backend error on the backward request reaches the caller unchanged")
    func backendErrorReachesTheCaller() async throws {
        let backend = BackwardFailingBackend(logprobs: [[-1, -2]])
        let client = TrainingClient(backend: backend)
        let telemetry = RecordingTelemetrySink()
        await #expect(throws: BackwardFailingBackend.Failure()) {
            try await client.forwardBackwardCustom(
                [makeDatum(input: [1, 2], targets: [2, 3])],
                regularizers: [Regularizer(name: "r", weight: 1, fn: syncFn { $0[0].sum() })],
                options: CustomLossOptions(telemetry: telemetry))
        }
        #expect(await backend.backwardAttempts == 1)
        #expect(telemetry.events.last?.summary == "callFailed")
    }

    @Test("Cancelling a future cancels its in-flight async fns and sends no backward")
    func cancellingAFutureSendsNoBackward() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let ended = Recorder<String>()
        let slow = LossFunction.async { _, lp in
            startedContinuation.yield()
            do {
                try await Task.sleep(for: untilCancelled)
            } catch {
                ended.append("cancelled: \(Task.isCancelled)")
                throw error
            }
            ended.append("finished")
            return LossOutput(loss: lp[0].sum())
        }
        let future = harness.client.forwardBackwardCustomFuture(
            harness.data, regularizers: [Regularizer(name: "slow", weight: 1, fn: slow)])
        for await _ in started { break }
        future.cancel()
        await #expect(throws: (any Error).self) { try await future.result() }
        // The fn saw the cancellation rather than running its 10 s to the end.
        #expect(ended.all == ["cancelled: true"])
        #expect(await harness.sawNoBackward)
    }
}
