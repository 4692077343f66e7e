import Autodiff
import Testing
import TinkerWire
@testable import TrainingClient

/// Semantics sections 1, 6 and 7 for legacy mode: a loss_fn alone behaves as tinker 0.7.0 did.
@Suite("Legacy mode")
struct LegacyModeTests {
    @Test("A loss_fn with an empty regularizers list is legacy mode")
    func emptyRegularizersIsLegacy() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let telemetry = RecordingTelemetrySink()
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: .sync { _, lp in LossOutput(loss: -lp[0].sum(), metrics: ["custom": 2]) },
            regularizers: [], options: CustomLossOptions(telemetry: telemetry))
        #expect(result.metrics["regularizers"] == nil)
        #expect(try result.metrics.requireNumber("custom") == 2)
        #expect(telemetry.events.first == .callStarted(mode: .legacy, fnCount: 1))
    }

    @Test("Custom metrics sit at the top level, replacing a backend key of the same name")
    func customMetricsReplaceBackendKeys() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: .sync { _, lp in LossOutput(loss: -lp[0].sum(), metrics: ["loss:sum": 42, "kl": 0.125]) })
        #expect(try result.metrics.requireNumber("loss:sum") == 42)
        #expect(try result.metrics.requireNumber("kl") == 0.125)
    }

    @Test("The backend's own metrics stay when no custom key replaces them")
    func backendMetricsStay() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-4]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { try (2 * sumOfAll($0)) })
        // g = 2 everywhere, weights -2; loss:sum = sum(-w * lp) = 2 * (-1 - 2 - 4) = -14
        #expect(try result.metrics.requireNumber("loss:sum") == -14)
        #expect(try await harness.sentWeights() == [[-2, -2], [-2]])
    }

    @Test("A non-finite loss value is accepted, as tinker 0.7.0 accepted it",
          arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteLossIsAccepted(badValue: Double) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        // value = -3 + bad (non-finite); the gradient is still 1 each
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { $0[0].sum() + badValue })
        #expect(result.metrics["loss_total"] == nil)
        #expect(try await harness.sentGradient() == [[1, 1]])
    }

    @Test("A non-scalar loss is still non_scalar_loss")
    func nonScalarLossIsRejected() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(harness.data, lossFn: syncFn { $0[0] })
        }
        #expect(error.kind == .nonScalarLoss)
        #expect(await harness.sawNoBackward)
    }

    @Test("Invalid metric values are still invalid_metrics")
    func invalidMetricsAreRejected() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: .sync { _, lp in LossOutput(loss: lp[0].sum(), metrics: ["note": "fine"]) })
        }
        #expect(error.kind == .invalidMetrics)
        #expect(await harness.sawNoBackward)
    }

    @Test("Logprobs the loss does not reach are no_gradient naming the datum")
    func unreachedDatumIsNoGradient() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-3], [-4]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: syncFn { try ($0[0].sum() + $0[2].sum()) })
        }
        #expect(error.kind == .noGradient)
        #expect(error.message.contains("No gradient computed for logprob tensor"))
        #expect(error.message.contains(try Regex("\\b1\\b")), "datum index missing: \(error.message)")
        #expect(await harness.sawNoBackward)
    }

    @Test("A constant loss is no_gradient", arguments: ["literal", "detached"])
    func constantLossIsNoGradient(kind: String) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                lossFn: syncFn { kind == "literal" ? Tensor(scalar: 1) : $0[0].detached().sum() })
        }
        #expect(error.kind == .noGradient)
        #expect(await harness.sawNoBackward)
    }

    @Test("A raising loss_fn is loss_fn_failed with the original message")
    func raisingLossFnIsLossFnFailed() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(harness.data, lossFn: raisingFn("legacy failure"))
        }
        #expect(error.kind == .lossFnFailed)
        #expect(error.label == "loss_fn")
        #expect(error.message.contains("legacy failure"))
        #expect(await harness.sawNoBackward)
    }

    @Test("An async loss_fn is awaited in legacy mode")
    func asyncLossFnIsAwaited() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: asyncFn(delay: .milliseconds(10), metrics: ["waited": true]) { -$0[0].mean() })
        #expect(try result.metrics.requireNumber("waited") == 1)
        #expect(try await harness.sentGradient() == [[-0.5, -0.5]])
    }

    @Test("track_grad_norms adds nothing in legacy mode")
    func gradNormsAreStructuredOnly() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { -$0[0].sum() }, options: CustomLossOptions(trackGradNorms: true))
        #expect(result.metrics["total_grad_norm"] == nil)
        #expect(result.metrics["grad_norm"] == nil)
        #expect(result.metrics["base_loss"] == nil)
    }
}

@Suite("Legacy telemetry")
struct LegacyTelemetryTests {
    @Test("Telemetry reports the loss, not a custom metric named loss_total")
    func telemetryReportsLoss() async throws {
        // lp = [-1, -2]; loss = -sum(lp) = 3, whatever the metric named loss_total says.
        let backend = FixedLogprobsBackend(logprobs: [[-1.0, -2.0]])
        let sink = RecordingTelemetrySink()
        let data = [Datum(modelInput: .fromInts([1, 2]), lossFnInputs: ["target_tokens": TensorData(tokens: [2, 3])])]
        let lossFn = LossFunction.sync { _, logprobs in
            LossOutput(loss: -(try Tensor.concatenate(logprobs).sum()), metrics: ["loss_total": 999.0])
        }
        _ = try await TrainingClient(backend: backend).forwardBackwardCustom(
            data, lossFn: lossFn, options: CustomLossOptions(telemetry: sink))
        let stopped = sink.events.compactMap { event -> Double? in
            if case .callStopped(_, let lossTotal) = event { return lossTotal }
            return nil
        }
        #expect(stopped == [3.0])
    }
}
