#if REGSPEC_FAULTS
import Autodiff
import OrderedCollections
import Synchronization
import TinkerWire

/// The seams a fault enters the client through: a backend, a telemetry sink and options that
/// wrap the caller's, the validation call site, a wrapper around the fn evaluator and each fn,
/// and the hooks of the steps no wrapper can reach.
///
/// Every function here returns its input unchanged (or does nothing) unless the matching
/// fault is active. All of it is compiled only where `REGSPEC_FAULTS` is defined (debug
/// builds, where the mutation tests run): a release build has none of it.
extension ReferenceFault {
    /// The backend and options a call uses: the caller's own, or wrappers that inject a wire,
    /// telemetry or options fault. A validation-order fault sends its forward request here.
    static func inject(
        into backend: any TrainingBackend, _ options: CustomLossOptions, data: [Datum]
    ) async -> (any TrainingBackend, CustomLossOptions) {
        let (backend, options) = wrap(backend, options, data: data)
        await sendForwardBeforeValidation(data, to: backend)
        return (backend, options)
    }

    private static func wrap(
        _ backend: any TrainingBackend, _ options: CustomLossOptions, data: [Datum]
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

    /// The validation call site: the checks as a validation fault makes them, where a fault can
    /// be made by checking first or by rewriting the arguments; the others sit in `CallValidation`.
    static func validate(
        data: [Datum], lossFn: LossFunction?, regularizers: [RegularizerArguments]
    ) throws(CustomLossError) -> [Regularizer] {
        if isActive(.missingLossCheckedAfterData) && data.isEmpty { throw .emptyData }
        var arguments = regularizers
        for index in arguments.indices {
            if isActive(.boolWeightAccepted), case .bool(let flag)? = arguments[index].fields["weight"] {
                arguments[index].fields["weight"] = .number(flag ? 1 : 0)
            }
            if isActive(.unknownKeysAccepted) {
                for key in arguments[index].fields.keys where !CallValidation.regularizerKeys.contains(key) {
                    _ = arguments[index].fields.removeValue(forKey: key)
                }
            }
        }
        return try CallValidation.validate(data: data, lossFn: lossFn, regularizers: arguments)
    }

    /// Legacy without regularizers, unless a fault gives a legacy call the structured metrics.
    static func mode(of regularizers: [Regularizer]) -> CallMode {
        regularizers.isEmpty && !isActive(.legacyReturnsStructuredMetrics) ? .legacy : .structured
    }

    /// The index a regularizer's error names, and whether an empty name is rejected.
    static func validationSettings(index: Int) -> (reportedIndex: Int, checksEmptyName: Bool) {
        (index + (isActive(.regularizerIndexOffByOne) ? 1 : 0), !isActive(.emptyNameAccepted))
    }

    /// The unknown key a fault reports before the entry's other checks, if any.
    static func unknownKeyCheckedFirst(in keys: [String], known: Set<String>) -> String? {
        guard isActive(.unknownKeysCheckedFirst) else { return nil }
        return keys.first { !known.contains($0) }
    }

    /// A wrapper around the fn evaluator: evaluates `jobs`, each fn wrapped as its fault makes
    /// it, in the order an evaluation-order fault dictates, and returns them in job order.
    static func evaluate(_ jobs: [FnJob], with evaluator: FnEvaluator) async throws(CustomLossError) -> [EvaluatedFn] {
        let jobs = jobs.map(wrapped)
        var order = Array(jobs.indices)
        switch active {
        case .regularizersEvaluatedInReverse?: order.reverse()
        case .baseLossEvaluatedLast? where jobs.first?.weight == nil: order.append(order.removeFirst())
        default: return try await evaluator.evaluateAll(jobs).map(sanitized)
        }
        let evaluated = try await evaluator.evaluateAll(order.map { jobs[$0] })
        var inJobOrder = [EvaluatedFn?](repeating: nil, count: jobs.count)
        for (position, fn) in zip(order, evaluated) { inJobOrder[position] = fn }
        return inJobOrder.compactMap { $0 }.map(sanitized)
    }

    /// The job with its fn as a fault makes it: not called at all (a constant 0), its error
    /// swallowed or stripped of its message, its loss summed, its metrics changed.
    private static func wrapped(_ job: FnJob) -> FnJob {
        guard let fault = active else { return job }
        let fn = job.fn, isAsync = job.fn.isAsync
        let skipped = switch fault {
        case .asyncFnsNotAwaited: isAsync
        case .zeroWeightFnsSkipped: job.weight == 0
        default: false
        }
        @Sendable func broken(_ output: () throws -> LossOutput) throws -> LossOutput {
            if skipped { return LossOutput(loss: Tensor(scalar: 0)) }
            var result: LossOutput
            do {
                result = try output()
            } catch {
                if isAsync && fault == .asyncErrorsSwallowed { return LossOutput(loss: Tensor(scalar: 0)) }
                if fault == .fnErrorMessageDropped { throw CancellationError() }
                throw error
            }
            if fault == .nonScalarLossSummed { result.loss = result.loss.sum() }
            result.metrics = reportedMetrics(result.metrics, ofAsyncFn: isAsync)
            return result
        }
        let wrappedFn: LossFunction
        switch fn.body {
        case .sync(let body):
            wrappedFn = .sync { data, logprobs in try broken { try body(data, logprobs) } }
        case .async(let body):
            wrappedFn = .async { data, logprobs in
                if skipped { return LossOutput(loss: Tensor(scalar: 0)) }
                let output: Result<LossOutput, any Error>
                do { output = .success(try await body(data, logprobs)) } catch { output = .failure(error) }
                return try broken { try output.get() }
            }
        }
        return FnJob(label: job.label, fn: wrappedFn, weight: job.weight)
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

    /// Whether a fn's non-finite value fails the call: in structured mode, whatever the weight.
    static func checksFiniteness(structured: Bool, weight: Double?) -> Bool {
        switch active {
        case .legacyNonFiniteLossRejected?: return true
        case .nonFiniteValueWithZeroWeightAccepted?: return structured && weight != 0
        default: return structured
        }
    }

    /// A fn's custom metrics as a metrics fault reports them; invalid values stay invalid.
    private static func reportedMetrics(_ metrics: CustomMetrics, ofAsyncFn isAsync: Bool) -> CustomMetrics {
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

    /// The terms the gradient is summed from, when a gradient fault changes them: the base
    /// dropped, or a regularizer added with a factor other than its weight; nil otherwise.
    static func gradientTerms(base: EvaluatedFn?, regularizers: [EvaluatedFn]) -> [(gradients: [DeferredGradient?], scale: Double)]? {
        guard let fault = active, [.baseGradientDropped, .regularizerGradientUnweighted, .zeroWeightGradientAdded].contains(fault) else {
            return nil
        }
        var terms: [(gradients: [DeferredGradient?], scale: Double)] = []
        if let base, fault != .baseGradientDropped { terms.append((base.gradients, 1)) }
        for regularizer in regularizers {
            var weight = regularizer.weight ?? 0
            if (fault == .regularizerGradientUnweighted && weight != 0) || (fault == .zeroWeightGradientAdded && weight == 0) { weight = 1 }
            if weight != 0 { terms.append((regularizer.gradients, weight)) }
        }
        return terms
    }

    /// The totals as a composition fault makes them. (`nonFiniteGradientZeroed` zeroes the
    /// composed gradient in `Composition`'s one pass over it.)
    static func corrupt(_ regularizerTotal: inout Double, _ baseValue: inout Double, regularizers: [EvaluatedFn]) {
        switch active {
        case .regularizerTotalDropsLast?: regularizerTotal -= regularizers.last?.contribution ?? 0
        case .lossTotalOmitsBase?: baseValue = 0
        default: break
        }
    }

    /// One fn with its gradient zeroed where a float32 backend could not take it, when that
    /// fault is active: before any check can see it.
    private static func sanitized(_ fn: EvaluatedFn) -> EvaluatedFn {
        guard isActive(.nonFiniteGradientZeroed) else { return fn }
        return EvaluatedFn(label: fn.label, weight: fn.weight, value: fn.value, custom: fn.custom, gradients: fn.gradients.map(sanitized))
    }

    private static func sanitized(_ gradient: DeferredGradient?) -> DeferredGradient? {
        guard let gradient, isActive(.nonFiniteGradientZeroed) else { return gradient }
        return DeferredGradient(values: gradient.values.map { Float($0).isFinite ? $0 : 0 })
    }

    /// Applies the structured-metrics faults that act once everything else is composed.
    static func corrupt(
        _ metrics: inout ScalarKeyedDictionary<MetricValue>, base: EvaluatedFn?, regularizers: [EvaluatedFn],
        gradNorm: ([DeferredGradient?]) -> Double
    ) {
        switch active {
        case .weightEchoRoundedToFloat32?, .gradNormWeightedKeepsSign?, .customMetricsDropped?:
            metrics["regularizers"] = rewriteEntries(of: metrics["regularizers"], regularizers: regularizers)
            if active == .customMetricsDropped, case .object(var entry)? = metrics["base_loss"] {
                entry["custom"] = .object(Metrics())
                metrics["base_loss"] = .object(entry)
            }
        case .regularizerEntriesSortedByName?:
            if case .object(let entries)? = metrics["regularizers"] {
                metrics["regularizers"] = .object(Metrics(ScalarKeyedDictionary(
                    uniqueKeysWithValues: entries.entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })))
            }
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

    /// Each regularizer's metrics entry with its weight echoed as float32, its weighted grad
    /// norm keeping the weight's sign, or its custom map emptied.
    private static func rewriteEntries(of value: MetricValue?, regularizers: [EvaluatedFn]) -> MetricValue? {
        guard case .object(var entries)? = value else { return value }
        for regularizer in regularizers {
            guard case .object(var entry)? = entries[regularizer.label] else { continue }
            let weight = regularizer.weight ?? 0
            switch active {
            case .weightEchoRoundedToFloat32?: entry["weight"] = .number(Double(Float(weight)))
            case .gradNormWeightedKeepsSign?:
                if case .number(let norm)? = entry["grad_norm"], entry["grad_norm_weighted"] != nil {
                    entry["grad_norm_weighted"] = .number(weight * norm)
                }
            case .customMetricsDropped?: entry["custom"] = .object(Metrics())
            default: break
            }
            entries[regularizer.label] = .object(entry)
        }
        return .object(entries)
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
    private static func sendForwardBeforeValidation(_ data: [Datum], to backend: any TrainingBackend) async {
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
#endif
