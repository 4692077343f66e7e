import Autodiff
import Foundation
import Testing
import TinkerWire
@testable import TrainingClient

/// Semantics section 12: grad norms, timeouts, max concurrency and telemetry.
@Suite("Options")
struct OptionsTests {
    // MARK: Grad norms

    @Test("track_grad_norms reports per-fn and total L2 norms")
    func gradNormsByHand() async throws {
        // lp: datum 0 has 2 logprobs, datum 1 has 3.
        let harness = FixedHarness(logprobs: [[-1, -2], [-3, -4, -5]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: syncFn { -$0[0].sum() },
            regularizers: [
                Regularizer(name: "sum", weight: -2, fn: syncFn { try sumOfAll($0) }),
                Regularizer(name: "off", weight: 0, fn: syncFn { $0[1].square().sum() }),
                Regularizer(name: "constant", weight: 4, fn: syncFn { _ in Tensor(scalar: 1) }),
            ],
            options: CustomLossOptions(trackGradNorms: true))
        let metrics = result.metrics
        func expectNumber(_ path: String..., equals expected: Double) throws {
            let actual = try #require(metrics.number(at: path), "no number at \(path)")
            #expect(isClose(actual, expected, rtol: 1e-12, atol: 1e-15), "\(path): \(actual) vs \(expected)")
        }
        // base: gradient -1 on datum 0's two logprobs -> sqrt(2)
        try expectNumber("base_loss", "grad_norm", equals: 2.0.squareRoot())
        // sum over n = 5 logprobs: gradient of ones -> sqrt(5); weighted |-2| * sqrt(5)
        try expectNumber("regularizers", "sum", "grad_norm", equals: 5.0.squareRoot())
        try expectNumber("regularizers", "sum", "grad_norm_weighted", equals: 2 * 5.0.squareRoot())
        // off: gradient 2 * lp[1] = [-6, -8, -10] -> sqrt(36 + 64 + 100) = sqrt(200), unweighted; weighted 0
        try expectNumber("regularizers", "off", "grad_norm", equals: 200.0.squareRoot())
        try expectNumber("regularizers", "off", "grad_norm_weighted", equals: 0)
        // constant: no gradient at all -> 0
        try expectNumber("regularizers", "constant", "grad_norm", equals: 0)
        try expectNumber("regularizers", "constant", "grad_norm_weighted", equals: 0)
        // composed g: datum 0 = -1 + -2 = -3 (x2); datum 1 = -2 (x3) -> sqrt(9 * 2 + 4 * 3) = sqrt(30)
        try expectNumber("total_grad_norm", equals: 30.0.squareRoot())
        #expect(try await harness.sentGradient() == [[-3, -3], [-2, -2, -2]])
    }

    @Test("Without track_grad_norms there are no norm keys")
    func noGradNormsByDefault() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { -$0[0].sum() },
            regularizers: [Regularizer(name: "r", weight: 1, fn: syncFn { $0[0].sum() })])
        #expect(result.metrics["total_grad_norm"] == nil)
        let entry = try result.metrics.requireObject("regularizers", "r")
        #expect(entry["grad_norm"] == nil && entry["grad_norm_weighted"] == nil)
        #expect(try result.metrics.requireObject("base_loss")["grad_norm"] == nil)
    }

    @Test("Grad norms change no other metric and no gradient")
    func gradNormsChangeNothingElse() async throws {
        func run(trackGradNorms: Bool) async throws -> (Metrics, [[Double]]) {
            let harness = FixedHarness(logprobs: [[-1, -2]])
            let result = try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: syncFn { -$0[0].sum() },
                regularizers: [Regularizer(name: "r", weight: 0.5, fn: syncFn { $0[0].square().sum() })],
                options: CustomLossOptions(trackGradNorms: trackGradNorms))
            return (result.metrics, try await harness.sentWeights())
        }
        let (on, onWeights) = try await run(trackGradNorms: true)
        let (off, offWeights) = try await run(trackGradNorms: false)
        #expect(onWeights == offWeights)
        for path in [["loss_total"], ["regularizer_total"], ["base_loss", "value"], ["regularizers", "r", "contribution"]] {
            #expect(on.number(at: path) == off.number(at: path), "\(path)")
        }
    }

    // MARK: Timeout

    /// "quick" is known to end at once, so it runs without a timer: on a loaded machine a
    /// timed fn that has not yet been scheduled can run out of any short timeout.
    @Test("An async fn slower than the timeout fails the call with kind timeout, naming it")
    func slowAsyncFnTimesOut() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let telemetry = RecordingTelemetrySink()
        let quick = LossFunction.async(knownDuration: .zero) { _, logprobs in LossOutput(loss: logprobs[0].sum()) }
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: syncFn { -$0[0].sum() },
                regularizers: [
                    Regularizer(name: "quick", weight: 1, fn: quick),
                    Regularizer(name: "sluggish", weight: 1, fn: asyncFn(delay: untilCancelled) { $0[0].sum() }),
                ],
                options: CustomLossOptions(timeout: FnEvaluator.timerlessMargin, telemetry: telemetry))
        }
        #expect(error.kind == .timeout)
        #expect(error.label == "sluggish")
        #expect(error.message.contains("sluggish"))
        #expect(await harness.sawNoBackward)
        #expect(telemetry.events.contains { $0.summary == "fnFailed(sluggish, timeout)" })
    }

    /// The timeout is a day: a call held back by it would never end, and the time limit says so.
    @Test("Async fns within the timeout are unaffected and not held back by it", .timeLimit(.minutes(1)))
    func fastAsyncFnsPass() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizers: [Regularizer(name: "quick", weight: 1, fn: asyncFn(delay: .milliseconds(1)) { $0[0].sum() })],
            options: CustomLossOptions(timeout: .seconds(86_400)))
        #expect(try result.metrics.requireNumber("loss_total") == -3)
    }

    @Test("No fn starts after an earlier fn has failed")
    func noFnStartsAfterAFailure() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let started = Recorder<String>()
        let tenSeconds = LossFunction.async { _, lp in
            started.append("ten_seconds")
            try await Task.sleep(for: untilCancelled)
            return LossOutput(loss: lp[0].sum())
        }
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizers: [
                    Regularizer(name: "fails", weight: 1, fn: raisingFn("early failure")),
                    Regularizer(name: "ten_seconds", weight: 1, fn: tenSeconds),
                ])
        }
        #expect(error.label == "fails")
        #expect(started.all.isEmpty, "the 10 s fn started after the failure")
    }

    @Test("An async fn in flight is cancelled when an earlier async fn fails")
    func inFlightFnIsCancelledAfterEarlierAsyncFailure() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let cancelled = Recorder<Bool>()
        let tenSeconds = LossFunction.async { _, lp in
            do {
                try await Task.sleep(for: untilCancelled)
            } catch {
                cancelled.append(Task.isCancelled)
                throw error
            }
            return LossOutput(loss: lp[0].sum())
        }
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizers: [
                    Regularizer(name: "fails_soon", weight: 1, fn: raisingAsyncFn(after: .milliseconds(5), "soon")),
                    Regularizer(name: "ten_seconds", weight: 1, fn: tenSeconds),
                ])
        }
        #expect(error.label == "fails_soon")
        #expect(cancelled.all == [true], "the in-flight fn did not see cancellation")
        #expect(await harness.sawNoBackward)
    }

    @Test("A timeout cancels the other in-flight async fns too")
    func timeoutCancelsOthers() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let ended = Recorder<String>()
        func tenSeconds(_ name: String) -> LossFunction {
            .async { _, lp in
                do {
                    try await Task.sleep(for: untilCancelled)
                } catch {
                    ended.append("\(name) cancelled: \(Task.isCancelled)")
                    throw error
                }
                ended.append("\(name) finished")
                return LossOutput(loss: lp[0].sum())
            }
        }
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizers: [
                    Regularizer(name: "times_out", weight: 1, fn: tenSeconds("times_out")),
                    Regularizer(name: "also_long", weight: 1, fn: tenSeconds("also_long")),
                ],
                options: CustomLossOptions(timeout: .milliseconds(20)))
        }
        #expect(error.kind == .timeout)
        #expect(error.label == "times_out")
        // Both 10 s fns saw cancellation; neither ran to its end.
        #expect(ended.all.sorted() == ["also_long cancelled: true", "times_out cancelled: true"])
    }

    // MARK: Max concurrency

    /// Four async fns of different delays, checking how many run at once.
    private func runWithLimit(_ limit: Int?) async throws -> (Metrics, [[Double]], peak: Int) {
        let harness = FixedHarness(logprobs: [[-1, -2], [-0.5, -0.25]])
        let gauge = ConcurrencyGauge()
        func gauged(_ delay: Int, _ loss: @escaping @Sendable ([Tensor]) throws -> Tensor) -> LossFunction {
            .async { _, lp in
                gauge.enter()
                defer { gauge.leave() }
                try await Task.sleep(for: .milliseconds(delay))
                return LossOutput(loss: try loss(lp), metrics: ["delay": .number(Double(delay))])
            }
        }
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: gauged(12) { try sumOfAll($0.map { -$0 }) },
            regularizers: [
                Regularizer(name: "a", weight: 0.1, fn: gauged(8) { try sumOfSquares($0) }),
                Regularizer(name: "b", weight: -1, fn: gauged(0) { $0[1].mean() }),
                Regularizer(name: "c", weight: 2, fn: gauged(4) { $0[0].exp().sum() }),
            ],
            options: CustomLossOptions(trackGradNorms: true, maxConcurrency: limit))
        return (result.metrics, try await harness.sentWeights(), gauge.peak)
    }

    @Test("max_concurrency 1, 2 and unlimited give identical results")
    func maxConcurrencyChangesNoResult() async throws {
        let (sequential, sequentialWeights, sequentialPeak) = try await runWithLimit(1)
        let (two, twoWeights, twoPeak) = try await runWithLimit(2)
        let (unlimited, unlimitedWeights, _) = try await runWithLimit(nil)
        #expect(sequential == unlimited)
        #expect(two == unlimited)
        #expect(sequentialWeights == unlimitedWeights)
        #expect(twoWeights == unlimitedWeights)
        // The limit is a limit.
        #expect(sequentialPeak == 1)
        #expect(twoPeak <= 2)
    }

    // MARK: Telemetry

    @Test("Telemetry: call start, per-fn start and stop with value and contribution, call stop")
    func telemetryOfASuccessfulCall() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let telemetry = RecordingTelemetrySink()
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { -$0[0].sum() },
            regularizers: [
                Regularizer(name: "half_sum", weight: 0.5, fn: asyncFn { $0[0].sum() }),
                Regularizer(name: "squares", weight: -1, fn: syncFn { $0[0].square().sum() }),
            ],
            options: CustomLossOptions(maxConcurrency: 1, telemetry: telemetry))
        let events = telemetry.events
        #expect(events.map(\.summary) == [
            "callStarted(structured, 3)",
            "fnStarted(loss_fn)", "fnStopped(loss_fn)",
            "fnStarted(half_sum)", "fnStopped(half_sum)",
            "fnStarted(squares)", "fnStopped(squares)",
            "callStopped",
        ])
        var stopped: [String: (value: Double, contribution: Double?)] = [:]
        for case .fnStopped(let label, let duration, let value, let contribution) in events {
            #expect(duration >= .zero)
            stopped[label] = (value, contribution)
        }
        // loss_fn: 3, no contribution; half_sum: -3 -> -1.5; squares: 1 + 4 = 5 -> -5
        #expect(stopped["loss_fn"]?.value == 3)
        #expect(stopped["loss_fn"]?.contribution == nil)
        #expect(stopped["half_sum"]?.value == -3)
        #expect(stopped["half_sum"]?.contribution == -1.5)
        #expect(stopped["squares"]?.value == 5)
        #expect(stopped["squares"]?.contribution == -5)
        guard case .callStopped(_, let lossTotal)? = events.last else {
            Issue.record("the last event is not callStopped")
            return
        }
        // 3 - 1.5 - 5 = -3.5
        #expect(lossTotal == -3.5)
        #expect(try result.metrics.requireNumber("loss_total") == lossTotal)
    }

    @Test("Telemetry with concurrent fns: every fn starts before it stops")
    func telemetryWithConcurrentFns() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let telemetry = RecordingTelemetrySink()
        _ = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizers: [
                Regularizer(name: "a", weight: 1, fn: asyncFn(delay: .milliseconds(10)) { $0[0].sum() }),
                Regularizer(name: "b", weight: 1, fn: asyncFn(delay: .zero) { $0[0].sum() }),
            ],
            options: CustomLossOptions(telemetry: telemetry))
        let summaries = telemetry.events.map(\.summary)
        #expect(summaries.first == "callStarted(structured, 2)")
        #expect(summaries.last == "callStopped")
        for label in ["a", "b"] {
            let start = try #require(summaries.firstIndex(of: "fnStarted(\(label))"))
            let stop = try #require(summaries.firstIndex(of: "fnStopped(\(label))"))
            #expect(start < stop)
        }
    }

    @Test("Telemetry on failure: fnFailed with the error, then callFailed")
    func telemetryOfAFailedCall() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let telemetry = RecordingTelemetrySink()
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: syncFn { -$0[0].sum() },
                regularizers: [Regularizer(name: "boom", weight: 1, fn: raisingFn("kaput"))],
                options: CustomLossOptions(maxConcurrency: 1, telemetry: telemetry))
        }
        let events = telemetry.events
        #expect(events.map(\.summary) == [
            "callStarted(structured, 2)",
            "fnStarted(loss_fn)", "fnStopped(loss_fn)",
            "fnStarted(boom)", "fnFailed(boom, loss_fn_failed)",
            "callFailed",
        ])
        for case .fnFailed(_, let reported) in events {
            #expect(reported == error)
        }
        guard case .callFailed(_, let message)? = events.last else {
            Issue.record("the last event is not callFailed")
            return
        }
        #expect(message.contains("kaput"))
    }
}
