import Autodiff
import Testing
@testable import TrainingClient

/// What one fn saw when it was called.
private struct SeenInputs: Sendable, Equatable {
    let label: String
    let data: [Datum]
    let values: [[Double]]
    let shapes: [[Int]]
    /// Each tensor requires grad and is a leaf: backward yields a gradient for it.
    let leavesRequiringGrad: [Bool]
}

/// A 1-D datum and a `[T, K] = [2, 3]` datum with the logprobs served for them.
private func mixedShapeHarness() -> FixedHarness {
    FixedHarness(
        logprobs: [[-0.1, -0.2, -0.3], [-1, -2, -3, -4, -5, -6]],
        data: [
            makeDatum(input: [1, 2, 3], targets: [2, 3, 4]),
            makeDatum(input: [4, 5], targets: [1, 2, 3, 0, 1, 2], shape: [2, 3],
                      extraInputs: ["advantages": TensorData(floats: [0.5, -0.5])]),
        ])
}

/// Semantics sections 3 and 4: the forward pass and how each fn is evaluated and checked.
@Suite("Forward pass and evaluation")
struct EvaluationTests {
    // MARK: Forward

    @Test("Exactly one forward request, cross_entropy, carrying model_input and target_tokens",
          arguments: [CallMode.legacy, .structured])
    func oneForwardWithCrossEntropy(mode: CallMode) async throws {
        let harness = mixedShapeHarness()
        let loss = syncFn { try sumOfAll($0) }
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: loss,
            regularizers: mode == .legacy ? [] : [Regularizer(name: "r", weight: 1, fn: loss)])
        let requests = await harness.backend.requests
        #expect(requests.map(\.kind) == [.forward, .forwardBackward])
        let forward = try #require(requests.first)
        #expect(forward.lossFn == .crossEntropy)
        #expect(forward.data.map(\.modelInput) == harness.data.map(\.modelInput))
        #expect(forward.data.map(\.targetTokens) == harness.data.map(\.targetTokens))
    }

    // MARK: Inputs

    @Test("Every fn receives the same data and the same logprob leaves, shaped like target_tokens")
    func everyFnReceivesTheSameInputs() async throws {
        let harness = mixedShapeHarness()
        let seen = Recorder<SeenInputs>()
        func observing(_ label: String, async: Bool) -> LossFunction {
            @Sendable func record(_ data: [Datum], _ logprobs: [Tensor]) throws -> LossOutput {
                let leaves = try logprobs.map { lp in try lp.sum().backward()[lp] != nil && lp.requiresGrad }
                seen.append(SeenInputs(
                    label: label, data: data, values: logprobs.map(\.values), shapes: logprobs.map(\.shape),
                    leavesRequiringGrad: leaves))
                return LossOutput(loss: try sumOfAll(logprobs))
            }
            if async {
                return .async { data, logprobs in
                    try await Task.sleep(for: .milliseconds(2))
                    return try record(data, logprobs)
                }
            }
            return .sync(record)
        }
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: observing("loss_fn", async: false),
            regularizers: [
                Regularizer(name: "a", weight: 1, fn: observing("a", async: true)),
                Regularizer(name: "b", weight: 0, fn: observing("b", async: false)),
            ])
        let all = seen.all
        #expect(Set(all.map(\.label)) == ["loss_fn", "a", "b"])
        for inputs in all {
            #expect(inputs.data == harness.data, "\(inputs.label) saw other data")
            // The backend serves float32, so -0.1 arrives as the nearest float32.
            #expect(inputs.values == [[-0.1, -0.2, -0.3].map(Float32Rounding.rounded), [-1, -2, -3, -4, -5, -6]], "\(inputs.label)")
            #expect(inputs.shapes == [[3], [2, 3]], "\(inputs.label) saw other shapes")
            #expect(inputs.leavesRequiringGrad == [true, true], "\(inputs.label) saw non-leaf tensors")
        }
    }

    // MARK: Order

    @Test("Base first, then regularizers in list order (sequential evaluation)")
    func evaluationOrderIsBaseThenListOrder() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let telemetry = RecordingTelemetrySink()
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { -$0[0].sum() },
            regularizers: [
                Regularizer(name: "zeta", weight: 1, fn: asyncFn(delay: .milliseconds(5)) { $0[0].sum() }),
                Regularizer(name: "alpha", weight: 1, fn: syncFn { $0[0].mean() }),
                Regularizer(name: "mu", weight: 1, fn: asyncFn(delay: .milliseconds(1)) { $0[0].square().sum() }),
            ],
            options: CustomLossOptions(maxConcurrency: 1, telemetry: telemetry))
        let started = telemetry.events.compactMap { event -> String? in
            if case .fnStarted(let label) = event { return label }
            return nil
        }
        #expect(started == ["loss_fn", "zeta", "alpha", "mu"])
    }

    @Test("Sync fns are called in list order, one at a time, even beside async fns")
    func syncFnsAreCalledInOrder() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let calls = Recorder<String>()
        let gauge = ConcurrencyGauge()
        /// `lingering` fns stay busy until another fn overlaps them or 500 ms pass, so that a
        /// concurrent call would be seen even when other tests keep the threads busy.
        func syncRecording(_ label: String, lingering: Bool = false) -> LossFunction {
            .sync { _, lp in
                gauge.enter()
                defer { gauge.leave() }
                calls.append(label)
                let end = ContinuousClock.now + (lingering ? .milliseconds(500) : .milliseconds(1))
                while ContinuousClock.now < end && gauge.peak == 1 {}
                return LossOutput(loss: lp[0].sum())
            }
        }
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncRecording("loss_fn"),
            regularizers: [
                Regularizer(name: "s1", weight: 1, fn: syncRecording("s1", lingering: true)),
                Regularizer(name: "a1", weight: 1, fn: asyncFn(delay: .milliseconds(3)) { $0[0].sum() }),
                Regularizer(name: "s2", weight: 1, fn: syncRecording("s2")),
                Regularizer(name: "s3", weight: 1, fn: syncRecording("s3")),
            ])
        #expect(calls.all == ["loss_fn", "s1", "s2", "s3"])
        #expect(gauge.peak == 1)
    }

    @Test("Async delays change neither the metrics order nor any result")
    func asyncDelaysChangeNothing() async throws {
        func run(delays: [Int]) async throws -> (ForwardBackwardOutput, [[Double]]) {
            let harness = FixedHarness(logprobs: [[-1, -2], [-0.5]])
            let output = try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: asyncFn(delay: .milliseconds(delays[0])) { try sumOfAll($0.map { -$0 }) },
                regularizers: [
                    Regularizer(name: "first", weight: 0.3, fn: asyncFn(delay: .milliseconds(delays[1])) { try sumOfSquares($0) }),
                    Regularizer(name: "second", weight: -1, fn: asyncFn(delay: .milliseconds(delays[2])) { $0[1].mean() }),
                    Regularizer(name: "third", weight: 2, fn: asyncFn(delay: .milliseconds(delays[3])) { $0[0].exp().sum() }),
                ])
            return (output, try await harness.sentWeights())
        }
        let (slowFirst, slowFirstWeights) = try await run(delays: [30, 20, 10, 0])
        let (slowLast, slowLastWeights) = try await run(delays: [0, 10, 20, 30])
        #expect(try slowFirst.metrics.requireObject("regularizers").keys == ["first", "second", "third"])
        #expect(slowFirst.metrics == slowLast.metrics)
        #expect(slowFirstWeights == slowLastWeights)
    }

    // MARK: Loss checks

    @Test("A loss with other than one element is non_scalar_loss, in both modes",
          arguments: [CallMode.legacy, .structured], [0, 2, 6])
    func nonScalarLossIsRejected(mode: CallMode, elementCount: Int) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let wrong = LossFunction.sync { _, lp in
            LossOutput(loss: try (lp[0].sum() * Tensor([Double](repeating: 1, count: elementCount))))
        }
        let error = try await #require(throws: CustomLossError.self) {
            if mode == .legacy {
                _ = try await harness.client.forwardBackwardCustom(harness.data, lossFn: wrong)
            } else {
                _ = try await harness.client.forwardBackwardCustom(
                    harness.data, lossFn: syncFn { $0[0].sum() },
                    regularizers: [Regularizer(name: "vector", weight: 1, fn: wrong)])
            }
        }
        #expect(error.kind == .nonScalarLoss)
        #expect(error.label == (mode == .legacy ? "loss_fn" : "vector"))
        #expect(await harness.sawNoBackward)
    }

    @Test("A one-element loss of any shape is a scalar")
    func oneElementLossOfAnyShapeIsAccepted() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizers: [
                Regularizer(name: "shape_1", weight: 1, fn: syncFn { try $0[0].sum().reshaped([1]) }),
                Regularizer(name: "shape_1x1", weight: 1, fn: syncFn { try $0[0].sum().reshaped([1, 1]) }),
            ])
        // Both are sum(lp) = -3.
        #expect(try result.metrics.requireNumber("regularizers", "shape_1", "value") == -3)
        #expect(try result.metrics.requireNumber("regularizers", "shape_1x1", "value") == -3)
    }

    @Test("A NaN or infinite loss is non_finite_loss whatever the weight, base or regularizer",
          arguments: [Double.nan, .infinity, -.infinity], [0.0, 1.0, -2.0])
    func nonFiniteLossIsRejected(badValue: Double, weight: Double) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let nonFinite = syncFn { $0[0].sum() + badValue }
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: syncFn { $0[0].sum() },
                regularizers: [Regularizer(name: "bad", weight: weight, fn: nonFinite)])
        }
        #expect(error.kind == .nonFiniteLoss)
        #expect(error.label == "bad")
        #expect(await harness.sawNoBackward)

        let baseError = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: nonFinite,
                regularizers: [Regularizer(name: "fine", weight: weight, fn: syncFn { $0[0].sum() })])
        }
        #expect(baseError.kind == .nonFiniteLoss)
        #expect(baseError.label == "loss_fn")
        #expect(await harness.sawNoBackward)
    }

    @Test("A fn that raises is loss_fn_failed with its label and the original message")
    func raisingFnIsLossFnFailed() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let baseError = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: raisingFn("tokenizer exploded"),
                regularizers: [Regularizer(name: "fine", weight: 1, fn: syncFn { $0[0].sum() })])
        }
        #expect(baseError.kind == .lossFnFailed)
        #expect(baseError.label == "loss_fn")
        #expect(baseError.message.contains("tokenizer exploded"))

        let asyncError = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: syncFn { $0[0].sum() },
                regularizers: [
                    Regularizer(name: "fine", weight: 1, fn: syncFn { $0[0].sum() }),
                    Regularizer(name: "remote_judge", weight: 1, fn: raisingAsyncFn(after: .milliseconds(2), "HTTP 503")),
                ])
        }
        #expect(asyncError.kind == .lossFnFailed)
        #expect(asyncError.label == "remote_judge")
        #expect(asyncError.message.contains("HTTP 503"))
        #expect(await harness.sawNoBackward)
    }

    @Test("A tensor error inside a fn is loss_fn_failed carrying the tensor's message")
    func tensorErrorIsLossFnFailed() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        // Shapes [2] and [3] cannot combine, so the tensor op throws inside the fn.
        let clash = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizers: [Regularizer(name: "clash", weight: 1, fn: syncFn { try ($0[0] + Tensor([1, 2, 3])).sum() })])
        }
        #expect(clash.kind == .lossFnFailed)
        #expect(clash.label == "clash")
        #expect(clash.message.contains("incompatible"))
    }

    // MARK: Several failures

    @Test("The earliest failing fn in evaluation order is reported, even when a later one fails first")
    func earliestFailureIsReported() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let telemetry = RecordingTelemetrySink()
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizers: [
                    Regularizer(name: "fine", weight: 1, fn: syncFn { $0[0].sum() }),
                    Regularizer(name: "slow_failure", weight: 1, fn: raisingAsyncFn(after: .milliseconds(50), "slow one")),
                    Regularizer(name: "fast_failure", weight: 1, fn: raisingAsyncFn(after: .zero, "fast one")),
                ],
                options: CustomLossOptions(telemetry: telemetry))
        }
        #expect(error.label == "slow_failure")
        #expect(error.message.contains("slow one"))
        #expect(await harness.sawNoBackward)
        // The premise: the later fn did fail first.
        let failures = telemetry.events.compactMap { event -> String? in
            if case .fnFailed(let label, _) = event { return label }
            return nil
        }
        #expect(failures == ["fast_failure", "slow_failure"])
    }

    @Test("A failing base loss is reported before a regularizer that fails sooner")
    func failingBaseWinsOverFasterRegularizer() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: raisingAsyncFn(after: .milliseconds(30), "base broke"),
                regularizers: [
                    Regularizer(name: "nan", weight: 1, fn: syncFn { $0[0].sum() + .nan }),
                    Regularizer(name: "raises", weight: 1, fn: raisingFn("reg broke")),
                ])
        }
        #expect(error.kind == .lossFnFailed)
        #expect(error.label == "loss_fn")
        #expect(error.message.contains("base broke"))
    }

    @Test("Different kinds of failure: the earliest fn's kind wins")
    func earliestFailureKindWins() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizers: [
                    Regularizer(name: "bad_metrics", weight: 1, fn: .async { _, lp in
                        try await Task.sleep(for: .milliseconds(20))
                        return LossOutput(loss: lp[0].sum(), metrics: ["label": "text"])
                    }),
                    Regularizer(name: "vector", weight: 1, fn: syncFn { $0[0] }),
                ])
        }
        #expect(error.kind == .invalidMetrics)
        #expect(error.label == "bad_metrics")
    }

    @Test("A slow earlier success does not hide a later failure")
    func laterFailureAfterSlowSuccessIsReported() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizers: [
                    Regularizer(name: "slow_ok", weight: 1, fn: asyncFn(delay: .milliseconds(20)) { $0[0].sum() }),
                    Regularizer(name: "broken", weight: 1, fn: raisingFn("broken")),
                ])
        }
        #expect(error.label == "broken")
    }
}
