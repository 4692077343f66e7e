import Autodiff
import OrderedCollections
import Synchronization
import TinkerWire

/// The bodies of the faults whose hook would not fit on one line where it is called.
///
/// Every function here returns its input unchanged (or does nothing) unless the matching
/// fault is active, so the product's result is the same with or without these calls.
extension ReferenceFault {
    /// The backend and options a call uses: the caller's own, or wrappers that inject a wire,
    /// telemetry or options fault.
    static func inject(
        into backend: any TrainingBackend, _ options: CustomLossOptions, data: [Datum]
    ) -> (any TrainingBackend, CustomLossOptions) {
        guard let fault = active else { return (backend, options) }
        var options = options
        switch fault {
        case .gradNormsAlwaysOn: options.trackGradNorms = true
        case .timeoutIgnored: options.timeout = nil
        case .telemetryContributionUnweighted, .telemetryCallStopMissing, .telemetryFnFailureUnreported,
            .telemetryFnStopMissing, .telemetryFnStartLate:
            options.telemetry = FaultInjectingTelemetrySink(wrapped: options.telemetry, fault: fault)
        case .weightsNotNegated, .weightsLabelledInt64, .weightsUnroundedFloat64, .weightsTruncatedToBFloat16,
            .weightsFlattened, .extraLossFnInputsForwarded, .targetTokensSentAsFloat32, .forwardSentTwice:
            return (FaultInjectingBackend(wrapped: backend, fault: fault, original: data), options)
        default: break
        }
        return (backend, options)
    }

    /// Evaluates `jobs` in the order an evaluation-order fault dictates, and returns them in job order.
    static func evaluate(_ jobs: [FnJob], with evaluator: FnEvaluator) async throws(CustomLossError) -> [EvaluatedFn] {
        var order = Array(jobs.indices)
        switch active {
        case .regularizersEvaluatedInReverse?: order.reverse()
        case .baseLossEvaluatedLast? where jobs.first?.weight == nil: order.append(order.removeFirst())
        default: return try await evaluator.evaluateAll(jobs)
        }
        let evaluated = try await evaluator.evaluateAll(order.map { jobs[$0] })
        var inJobOrder = [EvaluatedFn?](repeating: nil, count: jobs.count)
        for (position, fn) in zip(order, evaluated) { inJobOrder[position] = fn }
        return inJobOrder.compactMap { $0 }
    }

    /// Whether a validation fault leaves the in-entry duplicate-name check out.
    static var skipsDuplicateCheck: Bool {
        active == .duplicateNamesAccepted || active == .duplicateNameCheckedLast || active == .namesComparedIgnoringCase
    }

    /// The duplicate-name check as a validation fault makes it: after the entry's other checks,
    /// or by canonical equivalence (Swift's `==`) instead of Unicode scalars.
    static func checkDuplicateLate(_ name: String, index: Int, earlier: [String]) throws(CustomLossError) {
        let repeated: Bool
        switch active {
        case .duplicateNameCheckedLast?: repeated = earlier.contains { $0.unicodeScalars.elementsEqual(name.unicodeScalars) }
        case .namesComparedCanonically?: repeated = earlier.contains(name)
        case .namesComparedIgnoringCase?: repeated = earlier.contains { $0.lowercased() == name.lowercased() }
        default: return
        }
        if repeated { throw .invalidRegularizer(index: index, name: name, problem: "the name '\(name)' is used by an earlier regularizer") }
    }

    /// Whether a fault skips calling this fn altogether (it then counts as a constant 0).
    static func skips(_ job: FnJob) -> Bool {
        switch active {
        case .asyncFnsNotAwaited?: return job.fn.isAsync
        case .zeroWeightFnsSkipped?: return job.weight == 0
        default: return false
        }
    }

    /// Whether a fn's non-finite value fails the call: in structured mode, whatever the weight.
    static func checksFiniteness(structured: Bool, weight: Double?) -> Bool {
        switch active {
        case .legacyNonFiniteLossRejected?: return true
        case .nonFiniteValueWithZeroWeightAccepted?: return structured && weight != 0
        default: return structured
        }
    }

    /// A fn's custom metrics as a metrics fault reports them; invalid values stay invalid.
    static func reportedMetrics(_ metrics: CustomMetrics, ofAsyncFn isAsync: Bool) -> CustomMetrics {
        guard let fault = active else { return metrics }
        var entries = metrics.entries
        for (key, metric) in metrics.entries {
            let number = try? metric.reportedNumber().get()
            switch (fault, metric) {
            case (.asyncMetricsDropped, _) where isAsync: entries[key] = nil
            case (.boolMetricsRejected, .bool): entries[key] = .string("\(metric)")
            case (.nonFiniteMetricsRejected, _) where number.map { !$0.isFinite } ?? false: entries[key] = CustomMetricValue.none
            case (.invalidMetricsDropped, _) where number == nil: entries[key] = nil
            default: break
            }
        }
        return CustomMetrics(entries)
    }

    /// `weight * value`, or what a composition fault makes of it.
    static func contribution(weight: Double, value: Double) -> Double {
        switch active {
        case .contributionUsesAbsoluteWeight?: return abs(weight) * value
        case .overflowingContributionSaturates?:
            let product = weight * value
            return product.isInfinite ? Double.greatestFiniteMagnitude * (product > 0 ? 1 : -1) : product
        default: return weight * value
        }
    }

    /// The factor a regularizer's gradient is added with: its weight, or what a gradient fault makes of it.
    static func gradientScale(for weight: Double) -> Double {
        switch active {
        case .regularizerGradientUnweighted? where weight != 0: return 1
        case .zeroWeightGradientAdded? where weight == 0: return 1
        default: return weight
        }
    }

    /// Zeroes every element of the composed gradient a float32 backend could not take, when
    /// that fault is active.
    static func sanitize(_ gradient: inout [[Double]]) {
        guard isActive(.nonFiniteGradientZeroed) else { return }
        for datum in gradient.indices { gradient[datum] = sanitized(gradient[datum]) ?? gradient[datum] }
    }

    /// One fn's gradient for one datum, with the same fault applied before any check can see it.
    static func sanitized(_ gradient: [Double]?) -> [Double]? {
        guard let gradient, isActive(.nonFiniteGradientZeroed) else { return gradient }
        return gradient.map { Float($0).isFinite ? $0 : 0 }
    }

    /// Applies the structured-metrics faults that act once everything else is composed.
    static func corrupt(
        _ metrics: inout ScalarKeyedDictionary<MetricValue>, base: EvaluatedFn?, regularizers: [EvaluatedFn],
        gradNorm: ([[Double]?]) -> Double
    ) {
        switch active {
        case .customMetricsMergedAtTopLevel?:
            for fn in [base].compactMap({ $0 }) + regularizers {
                for (key, value) in fn.custom where metrics[key] == nil { metrics[key] = .number(value) }
            }
        case .customMetricsLeakAcrossFns?:
            var every: ScalarKeyedDictionary<MetricValue> = [:]
            for fn in [base].compactMap({ $0 }) + regularizers {
                for (key, value) in fn.custom { every[key] = .number(value) }
            }
            func leak(into entry: MetricValue?) -> MetricValue? {
                guard case .object(var fields)? = entry else { return entry }
                fields["custom"] = .object(Metrics(every))
                return .object(fields)
            }
            metrics["base_loss"] = leak(into: metrics["base_loss"])
            if case .object(var entries)? = metrics["regularizers"] {
                for key in entries.keys { entries[key] = leak(into: entries[key]) }
                metrics["regularizers"] = .object(entries)
            }
        case .baseLossEntryWithoutLossFn? where base == nil:
            metrics["base_loss"] = .object(["value": .number(0), "custom": .object(Metrics())])
        case .totalGradNormSumsFnNorms? where metrics["total_grad_norm"] != nil:
            let weighted = regularizers.map { abs($0.weight ?? 0) * gradNorm($0.gradients) }
            metrics["total_grad_norm"] = .number(weighted.reduce(base.map { gradNorm($0.gradients) } ?? 0, +))
        default: break
        }
    }

    /// The time an async fn has left: its whole limit, or what is left of it since the call
    /// started when the clock fault counts slot waits and earlier fns.
    static func timeoutLeft(_ limit: Duration, callStarted: ContinuousClock.Instant) -> Duration {
        guard isActive(.timeoutFromCallStart) else { return limit }
        return max(.zero, limit - (ContinuousClock.now - callStarted))
    }

    /// Structured mode with the legacy rule: a datum no fn reaches fails the call.
    static func rejectUnreachedDatums(_ evaluated: [EvaluatedFn], datumCount: Int) throws(CustomLossError) {
        guard isActive(.unreachedDatumIsError) else { return }
        for datum in 0..<datumCount where evaluated.allSatisfy({ $0.gradients[datum] == nil }) {
            throw .noGradient(datum: datum)
        }
    }

    /// Whether a legacy custom metric is merged over the backend's metrics.
    static func legacyMerges(_ key: String, over backend: Metrics) -> Bool {
        switch active {
        case .legacyCustomMetricsNotMerged?: return false
        case .legacyBackendKeyWins?: return backend[key] == nil
        default: return true
        }
    }

    /// The forward request a validation-order fault sends before validating.
    static func sendForwardBeforeValidation(_ data: [Datum], to backend: any TrainingBackend) async {
        guard isActive(.forwardBeforeValidation) else { return }
        _ = try? await backend.forward(data, lossFn: .crossEntropy)
    }

    /// The backward request an atomicity fault sends when a call fails after its forward.
    static func sendBackwardOnError(_ data: [Datum], to backend: any TrainingBackend) async {
        guard isActive(.backwardSentOnError) else { return }
        let zeroed = data.map { datum in
            let targets = datum.targetTokens ?? TensorData(tokens: [])
            return Datum(modelInput: datum.modelInput, lossFnInputs: [
                "target_tokens": targets,
                "weights": TensorData(floats: [Double](repeating: 0, count: targets.data.count), shape: targets.shape),
            ])
        }
        _ = try? await backend.forwardBackward(zeroed, lossFn: .crossEntropy)
    }

    /// What a future resolves with: the call's result, or an empty one when a fault swallows its error.
    static func futureResult(
        of call: @Sendable () async throws -> ForwardBackwardOutput
    ) async throws -> ForwardBackwardOutput {
        do {
            return try await call()
        } catch where isActive(.futureSwallowsError) {
            return ForwardBackwardOutput(lossFnOutputType: "TensorData", lossFnOutputs: [], metrics: Metrics())
        }
    }
}

/// Rewrites the requests a call sends, as a client with a wire-format bug would.
struct FaultInjectingBackend: TrainingBackend {
    let wrapped: any TrainingBackend
    let fault: ReferenceFault
    /// The call's data as the caller gave it.
    let original: [Datum]

    func forward(_ data: [Datum], lossFn: BackendLossFunction) async throws -> ForwardBackwardOutput {
        if fault == .forwardSentTwice { _ = try await wrapped.forward(data, lossFn: lossFn) }
        return try await wrapped.forward(data, lossFn: lossFn)
    }

    func forwardBackward(_ data: [Datum], lossFn: BackendLossFunction) async throws -> ForwardBackwardOutput {
        try await wrapped.forwardBackward(data.indices.map { corrupt(data[$0], at: $0) }, lossFn: lossFn)
    }

    func optimStep(_ parameters: AdamParameters) async throws {
        try await wrapped.optimStep(parameters)
    }

    private func corrupt(_ datum: Datum, at index: Int) -> Datum {
        var datum = datum
        if fault == .extraLossFnInputsForwarded, index < original.count {
            datum.lossFnInputs.merge(original[index].lossFnInputs) { sent, _ in sent }
        }
        guard var weights = datum.lossFnInputs["weights"] else { return datum }
        switch fault {
        case .weightsNotNegated: weights.data = weights.data.map { -$0 }
        case .weightsLabelledInt64: weights.dtype = .int64
        case .weightsUnroundedFloat64:
            // Off the float32 grid by a quarter of a float32 step: what an unrounded float64 looks like.
            weights.data = weights.data.map { $0 == 0 ? 0 : $0 + Double(Float($0).ulp) / 4 }
        case .weightsTruncatedToBFloat16:
            weights.data = weights.data.map { Double(Float(bitPattern: Float($0).bitPattern & 0xFFFF_0000)) }
        case .weightsFlattened: weights.shape = nil
        case .targetTokensSentAsFloat32: datum.lossFnInputs["target_tokens"]?.dtype = .float32
        default: break
        }
        datum.lossFnInputs["weights"] = weights
        return datum
    }
}

/// Drops, rewrites or reorders telemetry events, as a client with a telemetry bug would.
struct FaultInjectingTelemetrySink: TelemetrySink {
    let wrapped: any TelemetrySink
    let fault: ReferenceFault
    /// `fn_started` events held back until their fn ends (`telemetryFnStartLate`).
    private let heldStarts = HeldTelemetryEvents()

    init(wrapped: any TelemetrySink, fault: ReferenceFault) {
        self.wrapped = wrapped
        self.fault = fault
    }

    func record(_ event: TelemetryEvent) {
        switch (fault, event) {
        case (.telemetryCallStopMissing, .callStopped), (.telemetryFnFailureUnreported, .fnFailed),
            (.telemetryFnStopMissing, .fnStopped):
            return
        case (.telemetryFnStartLate, .fnStarted(let label)):
            heldStarts.hold(event, for: label)
        case (.telemetryFnStartLate, .fnStopped(let label, _, _, _)), (.telemetryFnStartLate, .fnFailed(let label, _)):
            wrapped.record(event)
            if let start = heldStarts.release(label) { wrapped.record(start) }
        case (.telemetryContributionUnweighted, .fnStopped(let label, let duration, let value, let contribution)):
            wrapped.record(.fnStopped(label: label, duration: duration, value: value, contribution: contribution.map { _ in value }))
        default:
            wrapped.record(event)
        }
    }
}

/// Events a faulty sink keeps back, by fn label; fns report from concurrent tasks.
final class HeldTelemetryEvents: Sendable {
    private let events = Mutex<[String: TelemetryEvent]>([:])

    func hold(_ event: TelemetryEvent, for label: String) {
        events.withLock { $0[label] = event }
    }

    func release(_ label: String) -> TelemetryEvent? {
        events.withLock { $0.removeValue(forKey: label) }
    }
}
