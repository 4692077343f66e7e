import Autodiff
import Testing
import TinkerWire
@testable import TrainingClient

/// A metric value a fn may not return, with a name for the test report.
struct InvalidMetricCase: Sendable, CustomTestStringConvertible {
    let title: String
    let value: CustomMetricValue
    var testDescription: String { title }

    static let all: [InvalidMetricCase] = [
        .init(title: "a string", value: "high"),
        .init(title: "a list", value: .list([1.0, 2.0])),
        .init(title: "None", value: nil),
        .init(title: "a two-element tensor", value: .tensor(Tensor([1, 2]))),
        .init(title: "an empty tensor", value: .tensor(Tensor([]))),
    ]
}

/// Semantics section 7, and the metric-value rules of section 4.
@Suite("Metrics")
struct MetricsTests {
    /// Every valid kind of metric value, as a fn returns it.
    static func validCustom() throws -> CustomMetrics {
        [
            "yes": true, "no": false, "count": 3, "ratio": 0.25,
            "nan": .number(.nan), "inf": .number(.infinity), "neg_inf": .number(-.infinity),
            "tensor": .tensor(Tensor(scalar: 1.5)), "tensor_1x1": .tensor(try Tensor([-2], shape: [1, 1])),
        ]
    }

    /// Checks `custom` against `validCustom`: bools as 1/0, NaN and infinities as they are.
    private func expectReportedAsGiven(_ custom: Metrics, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try custom.requireNumber("yes") == 1.0, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("no") == 0.0, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("count") == 3, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("ratio") == 0.25, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("nan").isNaN, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("inf") == .infinity, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("neg_inf") == -.infinity, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("tensor") == 1.5, sourceLocation: sourceLocation)
        #expect(try custom.requireNumber("tensor_1x1") == -2, sourceLocation: sourceLocation)
    }

    @Test("Metric values: bools become 1.0/0.0; numbers, NaN and infinities are reported as they are")
    func metricValuesAreReportedAsGiven() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let withMetrics = LossFunction.sync { _, lp in LossOutput(loss: lp[0].sum(), metrics: try Self.validCustom()) }
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: withMetrics, regularizers: [Regularizer(name: "r", weight: 0.5, fn: withMetrics)])
        try expectReportedAsGiven(try result.metrics.requireObject("base_loss", "custom"))
        try expectReportedAsGiven(try result.metrics.requireObject("regularizers", "r", "custom"))

        let legacy = FixedHarness(logprobs: [[-1, -2]])
        let legacyResult = try await legacy.client.forwardBackwardCustom(legacy.data, lossFn: withMetrics)
        try expectReportedAsGiven(legacyResult.metrics)
    }

    @Test("Any other metric value is invalid_metrics naming the fn and the key",
          arguments: InvalidMetricCase.all, [CallMode.legacy, .structured])
    func invalidMetricValueIsRejected(_ testCase: InvalidMetricCase, mode: CallMode) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let bad = LossFunction.sync { _, lp in
            LossOutput(loss: lp[0].sum(), metrics: ["fine": 1.0, "culprit": testCase.value])
        }
        let error = try await #require(throws: CustomLossError.self) {
            if mode == .legacy {
                _ = try await harness.client.forwardBackwardCustom(harness.data, lossFn: bad)
            } else {
                _ = try await harness.client.forwardBackwardCustom(
                    harness.data, lossFn: syncFn { $0[0].sum() }, regularizers: [Regularizer(name: "judge", weight: 1, fn: bad)])
            }
        }
        #expect(error.kind == .invalidMetrics)
        #expect(error.label == (mode == .legacy ? "loss_fn" : "judge"))
        #expect(error.message.contains("culprit"))
        #expect(await harness.sawNoBackward)
    }

    @Test("Regularizer entries are keyed by name in call order, whatever the names' sort order or timing")
    func regularizerEntriesAreInCallOrder() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let names = ["zeta", "alpha", "mu", "beta"]
        let delays = [15, 0, 5, 10]
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizers: zip(names, delays).map { name, delay in
                Regularizer(name: name, weight: 1, fn: asyncFn(delay: .milliseconds(delay)) { $0[0].sum() })
            })
        #expect(try result.metrics.requireObject("regularizers").keys == names)
    }

    @Test("The weight echoes the input exactly", arguments: [0.1, 1.0 / 3.0, -7.25, 1e-300, 123_456.789, 0.0])
    func weightIsEchoedExactly(weight: Double) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [Regularizer(name: "r", weight: weight, fn: syncFn { $0[0].sum() })])
        let echoed = try result.metrics.requireNumber("regularizers", "r", "weight")
        #expect(echoed.bitPattern == weight.bitPattern, "\(echoed) is not \(weight)")
    }

    @Test("base_loss is present if and only if a loss_fn is given")
    func baseLossPresentIffLossFn() async throws {
        let regularizers = [Regularizer(name: "r", weight: 2, fn: syncFn { $0[0].sum() })]
        let withBase = FixedHarness(logprobs: [[-1, -2]])
        let withBaseResult = try await withBase.client.forwardBackwardCustom(
            withBase.data, lossFn: syncFn { -$0[0].sum() }, regularizers: regularizers)
        // base = 3, r = -3 -> -6, loss_total = 3 - 6 = -3
        #expect(try withBaseResult.metrics.requireNumber("base_loss", "value") == 3)
        #expect(try withBaseResult.metrics.requireNumber("loss_total") == -3)

        let withoutBase = FixedHarness(logprobs: [[-1, -2]])
        let withoutBaseResult = try await withoutBase.client.forwardBackwardCustom(
            withoutBase.data, regularizers: regularizers)
        #expect(withoutBaseResult.metrics["base_loss"] == nil)
        // Without a loss_fn, base_value = 0, so loss_total = regularizer_total = -6
        #expect(try withoutBaseResult.metrics.requireNumber("loss_total") == -6)
    }

    @Test("Structured mode merges no custom metric at the top level")
    func noCustomMetricAtTopLevel() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: .sync { _, lp in
                LossOutput(loss: -lp[0].sum(), metrics: ["accuracy": 0.5, "loss_total": 999, "loss:sum": 123])
            },
            regularizers: [
                Regularizer(name: "r", weight: 1, fn: .sync { _, lp in
                    LossOutput(loss: lp[0].square().sum(), metrics: ["kl": 0.01, "regularizer_total": 777])
                })
            ])
        let metrics = result.metrics
        #expect(metrics["accuracy"] == nil)
        #expect(metrics["kl"] == nil)
        // base = 3; r = 1 + 4 = 5; so loss_total = 8 and regularizer_total = 5, not the custom values
        #expect(try metrics.requireNumber("loss_total") == 8)
        #expect(try metrics.requireNumber("regularizer_total") == 5)
        // The custom values stay in their fn's entry.
        #expect(try metrics.requireNumber("base_loss", "custom", "loss_total") == 999)
        #expect(try metrics.requireNumber("base_loss", "custom", "loss:sum") == 123)
        #expect(try metrics.requireNumber("regularizers", "r", "custom", "regularizer_total") == 777)
        // The backend's loss:sum is its own: g = -1 + 2 * lp = [-3, -5], weights [3, 5],
        // sum(-w * lp) = -(3 * -1 + 5 * -2) = 13
        #expect(try metrics.requireNumber("loss:sum") == 13)
    }

    @Test("Structured entries hold exactly the schema's keys when grad norms are off")
    func structuredEntriesHoldExactlyTheSchemaKeys() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { -$0[0].sum() },
            regularizers: [
                Regularizer(name: "a", weight: 1, fn: syncFn { $0[0].sum() }),
                Regularizer(name: "b", weight: 0, fn: asyncFn { $0[0].sum() }),
            ])
        let metrics = result.metrics
        #expect(Set(metrics.keys).isSuperset(of: ["loss_total", "regularizers", "regularizer_total", "base_loss"]))
        for key in metrics.keys where !["loss_total", "regularizers", "regularizer_total", "base_loss"].contains(key) {
            guard case .number = metrics[key] else {
                Issue.record("unexpected non-numeric top-level key \(key)")
                continue
            }
        }
        for name in ["a", "b"] {
            #expect(try metrics.requireObject("regularizers", name).keys == ["value", "weight", "contribution", "custom"])
        }
        #expect(try metrics.requireObject("base_loss").keys == ["value", "custom"])
        #expect(metrics["total_grad_norm"] == nil)
    }
}
