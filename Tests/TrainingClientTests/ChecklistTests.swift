import Autodiff
import Foundation
import Testing
@testable import TrainingClient

/// The seven tests of the structured-regularizers checklist.
@Suite("Checklist")
struct ChecklistTests {
    @Test("Multiple sync regularizers compose")
    func multipleSyncRegularizersCompose() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: syncFn { try sumOfAll($0.map { -$0 }) },
            regularizers: [
                Regularizer(name: "l2", weight: 0.1, fn: syncFn { try sumOfSquares($0) }),
                Regularizer(name: "first_mean", weight: -2, fn: syncFn { $0[0].mean() }),
            ])
        let metrics = result.metrics
        // base = -(-1 - 2 - 0.5) = 3.5
        // l2 = 1 + 4 + 0.25 = 5.25, contribution 0.1 * 5.25 = 0.525
        // first_mean = (-1 - 2) / 2 = -1.5, contribution -2 * -1.5 = 3
        // regularizer_total = 3.525, loss_total = 3.5 + 3.525 = 7.025
        #expect(try metrics.requireNumber("base_loss", "value") == 3.5)
        #expect(try metrics.requireNumber("regularizers", "l2", "value") == 5.25)
        #expect(isClose(try metrics.requireNumber("regularizers", "l2", "contribution"), 0.525, rtol: 1e-12, atol: 0))
        #expect(try metrics.requireNumber("regularizers", "first_mean", "value") == -1.5)
        #expect(try metrics.requireNumber("regularizers", "first_mean", "contribution") == 3)
        #expect(isClose(try metrics.requireNumber("regularizer_total"), 3.525, rtol: 1e-12, atol: 0))
        #expect(isClose(try metrics.requireNumber("loss_total"), 7.025, rtol: 1e-12, atol: 0))
        // g = base (-1 each) + 0.1 * 2 * lp + (-2) * (1/2 on datum 0)
        //   datum 0: [-1 - 0.2 - 1, -1 - 0.4 - 1] = [-2.2, -2.4]; datum 1: [-1 - 0.1] = [-1.1]
        expectClose(try await harness.sentGradient(), [[-2.2, -2.4], [-1.1]], "gradient")
    }

    @Test("A single async regularizer is awaited")
    func singleAsyncRegularizerIsAwaited() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let awaited = Recorder<String>()
        let slow = LossFunction.async { _, logprobs in
            try await Task.sleep(for: .milliseconds(10))
            awaited.append("finished")
            return LossOutput(loss: logprobs[0].sum(), metrics: ["async": true])
        }
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [Regularizer(name: "async_test", weight: 0.5, fn: slow)])
        #expect(awaited.all == ["finished"])
        // value = -1 - 2 = -3; contribution 0.5 * -3 = -1.5; the bool metric reads 1.0
        #expect(try result.metrics.requireNumber("regularizers", "async_test", "value") == -3)
        #expect(try result.metrics.requireNumber("regularizers", "async_test", "weight") == 0.5)
        #expect(try result.metrics.requireNumber("regularizers", "async_test", "contribution") == -1.5)
        #expect(try result.metrics.requireNumber("regularizers", "async_test", "custom", "async") == 1.0)
        #expect(try result.metrics.requireNumber("loss_total") == -1.5)
        // d(0.5 * sum)/d lp = 0.5 each
        #expect(try await harness.sentGradient() == [[0.5, 0.5]])
    }

    @Test("Mixed sync and async regularizers work together")
    func mixedSyncAndAsyncRegularizers() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: syncFn { -$0[0].sum() },
            regularizers: [
                Regularizer(name: "slow_sum", weight: 0.5, fn: asyncFn(delay: .milliseconds(20)) { $0[0].sum() }),
                Regularizer(name: "squares", weight: 2, fn: syncFn { $0[0].square().sum() }),
                Regularizer(name: "quick_mean", weight: -1, fn: asyncFn(delay: .milliseconds(1)) { $0[0].mean() }),
            ])
        let metrics = result.metrics
        // base = 3; slow_sum = -3 -> -1.5; squares = 1 + 4 = 5 -> 10; quick_mean = -1.5 -> 1.5
        // regularizer_total = -1.5 + 10 + 1.5 = 10; loss_total = 13
        #expect(try metrics.requireObject("regularizers").keys == ["slow_sum", "squares", "quick_mean"])
        #expect(try metrics.requireNumber("regularizers", "slow_sum", "contribution") == -1.5)
        #expect(try metrics.requireNumber("regularizers", "squares", "contribution") == 10)
        #expect(try metrics.requireNumber("regularizers", "quick_mean", "contribution") == 1.5)
        #expect(try metrics.requireNumber("regularizer_total") == 10)
        #expect(try metrics.requireNumber("loss_total") == 13)
        // g = -1 + 0.5 + 2 * 2 * lp - 1 * 0.5 = [-1 + 0.5 - 4 - 0.5, -1 + 0.5 - 8 - 0.5] = [-5, -9]
        #expect(try await harness.sentGradient() == [[-5, -9]])
    }

    @Test("Legacy loss_fn alone still works with its old metrics")
    func legacyLossFnAloneStillWorks() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let legacy = LossFunction.sync { _, logprobs in
            LossOutput(loss: -logprobs[0].mean(), metrics: ["legacy": 1.0, "accuracy": 0.25])
        }
        let result = try await harness.client.forwardBackwardCustom(harness.data, lossFn: legacy)
        let metrics = result.metrics
        #expect(try metrics.requireNumber("legacy") == 1.0)
        #expect(try metrics.requireNumber("accuracy") == 0.25)
        // g = -1/2 each, so weights = 0.5 and the backend's loss:sum = -(0.5 * -1 + 0.5 * -2) = 1.5
        #expect(try metrics.requireNumber("loss:sum") == 1.5)
        for structuredKey in ["loss_total", "regularizers", "regularizer_total", "base_loss"] {
            #expect(metrics[structuredKey] == nil, "legacy metrics must not hold \(structuredKey)")
        }
        #expect(try await harness.sentGradient() == [[-0.5, -0.5]])
    }

    @Test("Metrics match the schema's structure")
    func metricsMatchSchemaStructure() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: .sync { _, lp in LossOutput(loss: -lp[0].sum(), metrics: ["tokens": 2]) },
            regularizers: [
                Regularizer(name: "test_reg", weight: 0.1, fn: .sync { _, lp in
                    LossOutput(loss: lp[0].mean(), metrics: ["test": 1.0])
                })
            ])
        let metrics = result.metrics
        #expect(metrics.number(at: ["loss_total"]) != nil)
        #expect(metrics.number(at: ["regularizer_total"]) != nil)
        let entry = try metrics.requireObject("regularizers", "test_reg")
        #expect(entry.keys == ["value", "weight", "contribution", "custom"])
        #expect(try entry.requireNumber("weight") == 0.1)
        #expect(try entry.requireNumber("custom", "test") == 1.0)
        let base = try metrics.requireObject("base_loss")
        #expect(base.keys == ["value", "custom"])
        #expect(try base.requireNumber("custom", "tokens") == 2)
        // Other top-level keys are the backend's numbers.
        for (key, value) in metrics where !["regularizers", "base_loss"].contains(key) {
            guard case .number = value else {
                Issue.record("top-level \(key) is not a number")
                continue
            }
        }
    }

    @Test(
        "Metrics validate against docs/schema/metrics.schema.json",
        .enabled(
            if: JSONSchemaValidator.isAvailable,
            "needs python3 with the jsonschema package (pip install jsonschema)"),
        arguments: [false, true])
    func metricsValidateAgainstJSONSchema(trackGradNorms: Bool) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: .sync { data, lp in LossOutput(loss: try weightedNLL(data, lp), metrics: ["ok": true]) },
            regularizers: [
                Regularizer(name: "l2", weight: 0.1, fn: syncFn(metrics: ["n": 3]) { try sumOfSquares($0) }),
                Regularizer(name: "zero", weight: 0, fn: asyncFn { $0[1].sum() }),
                Regularizer(name: "negative", weight: -0.5, fn: syncFn { $0[0].mean() }),
            ],
            options: CustomLossOptions(trackGradNorms: trackGradNorms))
        let document = try JSONEncoder().encode(result.metrics)
        let violations = try await JSONSchemaValidator.violations(of: document)
        #expect(violations.isEmpty, "\(String(decoding: document, as: UTF8.self)) violates the schema: \(violations)")

        // Without a loss_fn there is no base_loss, which the schema also allows.
        let regularizersOnly = FixedHarness(logprobs: [[-1, -2]])
        let withoutBase = try await regularizersOnly.client.forwardBackwardCustom(
            regularizersOnly.data,
            regularizers: [Regularizer(name: "only", weight: 1, fn: syncFn { $0[0].sum() })],
            options: CustomLossOptions(trackGradNorms: trackGradNorms))
        #expect(try await JSONSchemaValidator.violations(of: JSONEncoder().encode(withoutBase.metrics)).isEmpty)
    }

    /// The schema must reject what the semantics forbid, or validating against it proves nothing.
    @Test(
        "The JSON schema rejects malformed metrics",
        .enabled(
            if: JSONSchemaValidator.isAvailable,
            "needs python3 with the jsonschema package (pip install jsonschema)"),
        arguments: [
            #"{"regularizers": {"r": {"value": 1, "weight": 1, "contribution": 1, "custom": {}}}, "regularizer_total": 1}"#,
            #"{"loss_total": 1, "regularizers": {"r": {"value": 1, "weight": 1, "custom": {}}}, "regularizer_total": 1}"#,
            #"{"loss_total": 1, "regularizers": {"r": {"value": 1, "weight": 1, "contribution": 1, "custom": {}, "extra": 2}}, "regularizer_total": 1}"#,
            #"{"loss_total": 1, "regularizers": {"r": {"value": 1, "weight": 1, "contribution": 1, "custom": {"s": "text"}}}, "regularizer_total": 1}"#,
            #"{"loss_total": 1, "regularizers": {"r": {"value": 1, "weight": 1, "contribution": 1, "custom": {}}}, "regularizer_total": 1, "acc": "high"}"#,
            #"{"loss_total": 1, "regularizers": {"r": {"value": 1, "weight": 1, "contribution": 1, "custom": {}}}, "regularizer_total": 1, "base_loss": {"value": 1}}"#,
            #"{"loss_total": 1, "regularizers": {}, "regularizer_total": 0}"#,
        ])
    func schemaRejectsMalformedMetrics(document: String) async throws {
        #expect(try await !JSONSchemaValidator.violations(of: Data(document.utf8)).isEmpty)
    }

    @Test("Neither loss_fn nor regularizers is missing_loss, with no request")
    func neitherLossFnNorRegularizersIsMissingLoss() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(harness.data)
        }
        #expect(error.kind == .missingLoss)
        #expect(error.message.contains("loss_fn"))
        #expect(error.message.contains("regularizers"))
        #expect(await harness.sawNoRequest)
    }

    @Test("A zero-weight regularizer adds no loss and no gradient but still reports metrics")
    func zeroWeightRegularizerReportsButAddsNothing() async throws {
        // lp[0][1] = 0 makes sqrt(-lp) have an infinite gradient there: 0 * inf would be NaN,
        // so a zero weight must skip the fn's gradient, not multiply it.
        let logprobs: [[Double]] = [[-4, 0]]
        let base = syncFn { -$0[0].sum() }
        let zero = LossFunction.sync { _, lp in
            LossOutput(loss: (-lp[0]).sqrt().sum(), metrics: ["seen": true, "scale": 2.5])
        }
        let withZero = FixedHarness(logprobs: logprobs)
        let result = try await withZero.client.forwardBackwardCustom(
            withZero.data, lossFn: base, regularizers: [Regularizer(name: "zero", weight: 0, fn: zero)])
        let metrics = result.metrics
        // value = sqrt(4) + sqrt(0) = 2; contribution exactly +0.0 (0 * 2 would also be 0, but
        // the rule makes it 0.0 whatever the value's sign: 0 * -2 is -0.0)
        #expect(try metrics.requireNumber("regularizers", "zero", "value") == 2)
        #expect(try metrics.requireNumber("regularizers", "zero", "weight") == 0)
        let contribution = try metrics.requireNumber("regularizers", "zero", "contribution")
        #expect(contribution == 0 && contribution.sign == .plus)
        #expect(try metrics.requireNumber("regularizers", "zero", "custom", "seen") == 1)
        #expect(try metrics.requireNumber("regularizers", "zero", "custom", "scale") == 2.5)
        // base = -(-4 + 0) = 4, so loss_total = 4 + 0
        #expect(try metrics.requireNumber("regularizer_total") == 0)
        #expect(try metrics.requireNumber("loss_total") == 4)
        // Only the base's gradient, -1 each.
        #expect(try await withZero.sentGradient() == [[-1, -1]])
    }

    @Test("A zero weight gives +0.0 even when the value is negative")
    func zeroWeightContributionIsPositiveZero() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [Regularizer(name: "zero", weight: 0, fn: syncFn { $0[0].sum() })])
        // value = -3; IEEE 0 * -3 = -0.0, but the contribution must be exactly 0.0
        for path in [["regularizers", "zero", "contribution"], ["regularizer_total"], ["loss_total"]] {
            let number = try #require(result.metrics.number(at: path))
            #expect(number == 0 && number.sign == .plus, "\(path) is \(number)")
        }
        #expect(try await harness.sentGradient() == [[0, 0]])
    }
}
