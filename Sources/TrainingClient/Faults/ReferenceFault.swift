#if REGSPEC_FAULTS
import Synchronization
import TinkerWire

/// One deliberate bug in the reference client, for measuring whether the conformance suite
/// catches it (mutation testing, `docs/mutation.md`).
///
/// Compiled only where `REGSPEC_FAULTS` is defined (debug builds of this package, where the
/// mutation tests run): a release build of the client carries no fault and no hook. Faults
/// are `package`: the test targets of this package can switch one on, code that depends on
/// the `TrainingClient` library cannot. A fault is active only inside
/// `ReferenceFault.injecting(fault) { ... }`.
package enum ReferenceFault: String, CaseIterable, Sendable {
    // Validation (semantics section 2)
    case missingLossCheckedAfterData = "missing-loss-checked-after-data"
    case emptyNameAccepted = "empty-name-accepted"
    case duplicateNamesAccepted = "duplicate-names-accepted"
    case namesComparedCanonically = "names-compared-canonically"
    case namesComparedIgnoringCase = "names-compared-ignoring-case"
    case boolWeightAccepted = "bool-weight-accepted"
    case nonFiniteWeightAccepted = "non-finite-weight-accepted"
    case unknownKeysAccepted = "unknown-keys-accepted"
    case unknownKeysCheckedFirst = "unknown-keys-checked-first"
    case duplicateNameCheckedLast = "duplicate-name-checked-last"
    case regularizerIndexOffByOne = "regularizer-index-off-by-one"
    case emptyDataUnchecked = "empty-data-unchecked"
    case targetTokensUnchecked = "target-tokens-unchecked"
    case forwardBeforeValidation = "forward-before-validation"
    // Evaluation order (section 4)
    case regularizersEvaluatedInReverse = "regularizers-evaluated-in-reverse"
    case baseLossEvaluatedLast = "base-loss-evaluated-last"
    case firstFailureInTimeReported = "first-failure-in-time-reported"
    case nonScalarLossSummed = "non-scalar-loss-summed"
    case nonFiniteValueWithZeroWeightAccepted = "non-finite-value-with-zero-weight-accepted"
    case fnErrorMessageDropped = "fn-error-message-dropped"
    // Async fns (section 4)
    case asyncFnsNotAwaited = "async-fns-not-awaited"
    case asyncErrorsSwallowed = "async-errors-swallowed"
    case asyncMetricsDropped = "async-metrics-dropped"
    // Composition (section 5)
    case contributionUsesAbsoluteWeight = "contribution-uses-absolute-weight"
    case regularizerTotalDropsLast = "regularizer-total-drops-last"
    case lossTotalOmitsBase = "loss-total-omits-base"
    case zeroWeightFnsSkipped = "zero-weight-fns-skipped"
    case overflowingContributionSaturates = "overflowing-contribution-saturates"
    // Gradient (section 6)
    case regularizerGradientUnweighted = "regularizer-gradient-unweighted"
    case baseGradientDropped = "base-gradient-dropped"
    case zeroWeightGradientAdded = "zero-weight-gradient-added"
    case unreachedDatumIsError = "unreached-datum-is-error"
    case nonFiniteGradientZeroed = "non-finite-gradient-zeroed"
    // Linearization and float32 on the wire (sections 6 and 10)
    case weightsNotNegated = "weights-not-negated"
    case weightsLabelledInt64 = "weights-labelled-int64"
    case weightsUnroundedFloat64 = "weights-unrounded-float64"
    case weightsTruncatedToBFloat16 = "weights-truncated-to-bfloat16"
    case weightsFlattened = "weights-flattened"
    case extraLossFnInputsForwarded = "extra-loss-fn-inputs-forwarded"
    case targetTokensSentAsFloat32 = "target-tokens-sent-as-float32"
    // Metrics shape and order (section 7)
    case regularizerEntriesSortedByName = "regularizer-entries-sorted-by-name"
    case customMetricsMergedAtTopLevel = "custom-metrics-merged-at-top-level"
    case customMetricsDropped = "custom-metrics-dropped"
    case customMetricsLeakAcrossFns = "custom-metrics-leak-across-fns"
    case baseLossEntryWithoutLossFn = "base-loss-entry-without-loss-fn"
    case weightEchoRoundedToFloat32 = "weight-echo-rounded-to-float32"
    case boolMetricsRejected = "bool-metrics-rejected"
    case nonFiniteMetricsRejected = "non-finite-metrics-rejected"
    case invalidMetricsDropped = "invalid-metrics-dropped"
    case backendMetricsDropped = "backend-metrics-dropped"
    // Legacy mode (sections 1, 6 and 7)
    case legacyReturnsStructuredMetrics = "legacy-returns-structured-metrics"
    case legacyCustomMetricsNotMerged = "legacy-custom-metrics-not-merged"
    case legacyBackendKeyWins = "legacy-backend-key-wins"
    case legacyNonFiniteLossRejected = "legacy-non-finite-loss-rejected"
    case legacyUnreachedDatumGetsZeroGradient = "legacy-unreached-datum-gets-zero-gradient"
    // Atomicity and entry points (sections 8 and 9)
    case forwardSentTwice = "forward-sent-twice"
    case backwardSentOnError = "backward-sent-on-error"
    case futureSwallowsError = "future-swallows-error"
    case futureIgnoresOptions = "future-ignores-options"
    // Options (section 12)
    case gradNormWeightedKeepsSign = "grad-norm-weighted-keeps-sign"
    case totalGradNormSumsFnNorms = "total-grad-norm-sums-fn-norms"
    case gradNormsAlwaysOn = "grad-norms-always-on"
    case timeoutIgnored = "timeout-ignored"
    case timeoutFromCallStart = "timeout-from-call-start"
    case timeoutReportedAsLossFnFailed = "timeout-reported-as-loss-fn-failed"
    case maxConcurrencyDropsQueuedFns = "max-concurrency-drops-queued-fns"
    case telemetryContributionUnweighted = "telemetry-contribution-unweighted"
    case telemetryCallStopMissing = "telemetry-call-stop-missing"
    case telemetryFnFailureUnreported = "telemetry-fn-failure-unreported"
    case telemetryFnStopMissing = "telemetry-fn-stop-missing"
    case telemetryFnStartLate = "telemetry-fn-start-late"

    /// The fault in effect for the current task and its child tasks.
    @TaskLocal private static var current: ReferenceFault?

    /// Whether any code in this process has ever injected a fault; never true in the product.
    private static let armed = Atomic<Bool>(false)

    /// The fault in effect for the current task and its child tasks; nil in the product.
    @inline(__always)
    package static var active: ReferenceFault? {
        armed.load(ordering: .relaxed) ? current : nil
    }

    /// Runs `operation` with `fault` switched on for it and every task it starts (nil: none).
    package static func injecting<Result>(
        _ fault: ReferenceFault?, isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> Result
    ) async rethrows -> Result {
        armed.store(true, ordering: .sequentiallyConsistent)
        return try await $current.withValue(fault, operation: operation)
    }

    /// Whether `fault` is switched on for the current task.
    @inline(__always)
    package static func isActive(_ fault: ReferenceFault) -> Bool {
        active == fault
    }

    /// The part of the semantics a fault breaks, for grouping the mutation table.
    package enum Area: String, CaseIterable, Sendable {
        case validation, evaluationOrder = "evaluation order", async, composition, gradient
        case linearization = "linearization/float32", metrics = "metrics shape and order", legacy
        case atomicity = "atomicity and entry points", options = "options (section 12)"
    }

    package var area: Area {
        switch self {
        case .missingLossCheckedAfterData, .emptyNameAccepted, .duplicateNamesAccepted, .namesComparedCanonically, .namesComparedIgnoringCase,
            .boolWeightAccepted, .nonFiniteWeightAccepted, .unknownKeysAccepted, .unknownKeysCheckedFirst,
            .duplicateNameCheckedLast, .regularizerIndexOffByOne,
            .emptyDataUnchecked, .targetTokensUnchecked, .forwardBeforeValidation:
            return .validation
        case .regularizersEvaluatedInReverse, .baseLossEvaluatedLast, .firstFailureInTimeReported, .nonScalarLossSummed,
            .nonFiniteValueWithZeroWeightAccepted, .fnErrorMessageDropped:
            return .evaluationOrder
        case .asyncFnsNotAwaited, .asyncErrorsSwallowed, .asyncMetricsDropped:
            return .async
        case .contributionUsesAbsoluteWeight, .regularizerTotalDropsLast, .lossTotalOmitsBase, .zeroWeightFnsSkipped,
            .overflowingContributionSaturates:
            return .composition
        case .regularizerGradientUnweighted, .baseGradientDropped, .zeroWeightGradientAdded, .unreachedDatumIsError,
            .nonFiniteGradientZeroed:
            return .gradient
        case .weightsNotNegated, .weightsLabelledInt64, .weightsUnroundedFloat64, .weightsTruncatedToBFloat16,
            .weightsFlattened, .extraLossFnInputsForwarded, .targetTokensSentAsFloat32:
            return .linearization
        case .regularizerEntriesSortedByName, .customMetricsMergedAtTopLevel, .customMetricsDropped, .customMetricsLeakAcrossFns,
            .baseLossEntryWithoutLossFn, .weightEchoRoundedToFloat32, .boolMetricsRejected, .nonFiniteMetricsRejected,
            .invalidMetricsDropped, .backendMetricsDropped:
            return .metrics
        case .legacyReturnsStructuredMetrics, .legacyCustomMetricsNotMerged, .legacyBackendKeyWins,
            .legacyNonFiniteLossRejected, .legacyUnreachedDatumGetsZeroGradient:
            return .legacy
        case .forwardSentTwice, .backwardSentOnError, .futureSwallowsError, .futureIgnoresOptions:
            return .atomicity
        case .gradNormWeightedKeepsSign, .totalGradNormSumsFnNorms, .gradNormsAlwaysOn, .timeoutIgnored, .timeoutFromCallStart,
            .timeoutReportedAsLossFnFailed, .maxConcurrencyDropsQueuedFns, .telemetryContributionUnweighted,
            .telemetryCallStopMissing, .telemetryFnFailureUnreported, .telemetryFnStopMissing, .telemetryFnStartLate:
            return .options
        }
    }

    /// What the broken reference does, in one line.
    package var summary: String {
        switch self {
        case .missingLossCheckedAfterData: return "checks empty data before missing_loss"
        case .emptyNameAccepted: return "accepts an empty regularizer name"
        case .duplicateNamesAccepted: return "accepts a repeated regularizer name"
        case .namesComparedCanonically: return "treats canonically equivalent names (\"caf\\u{E9}\", \"cafe\\u{301}\") as one"
        case .namesComparedIgnoringCase: return "treats names that differ only in letter case (\"kl\", \"KL\") as one"
        case .boolWeightAccepted: return "accepts a bool weight as 1.0 or 0.0"
        case .nonFiniteWeightAccepted: return "accepts a NaN or infinite weight"
        case .unknownKeysAccepted: return "ignores unknown regularizer keys"
        case .unknownKeysCheckedFirst: return "reports an unknown key before a bad weight or fn of the same entry"
        case .duplicateNameCheckedLast: return "reports a bad weight or fn before the entry's repeated name"
        case .regularizerIndexOffByOne: return "names the regularizer's index counting from 1"
        case .emptyDataUnchecked: return "does not check that data is non-empty"
        case .targetTokensUnchecked: return "does not check that every datum has target_tokens"
        case .forwardBeforeValidation: return "sends the forward request before validating"
        case .regularizersEvaluatedInReverse: return "evaluates the fns in reverse list order"
        case .baseLossEvaluatedLast: return "evaluates the base loss_fn after the regularizers"
        case .firstFailureInTimeReported: return "reports the fn that failed first in time, not first in list order"
        case .nonScalarLossSummed: return "sums a loss of several elements instead of failing"
        case .nonFiniteValueWithZeroWeightAccepted: return "accepts a NaN or infinite value when its weight is 0"
        case .fnErrorMessageDropped: return "reports a raising fn without the fn's own message"
        case .asyncFnsNotAwaited: return "never awaits an async fn (it counts as a constant 0)"
        case .asyncErrorsSwallowed: return "turns an async fn's error into a constant 0 loss"
        case .asyncMetricsDropped: return "drops an async fn's metrics"
        case .contributionUsesAbsoluteWeight: return "contribution = |weight| * value"
        case .regularizerTotalDropsLast: return "leaves the last contribution out of regularizer_total"
        case .lossTotalOmitsBase: return "loss_total = regularizer_total, without the base loss"
        case .zeroWeightFnsSkipped: return "skips a weight-0 regularizer (value 0, no metrics)"
        case .overflowingContributionSaturates: return "clamps an overflowing contribution to the largest finite double"
        case .regularizerGradientUnweighted: return "adds each regularizer's gradient without its weight"
        case .baseGradientDropped: return "leaves the base loss out of the gradient"
        case .zeroWeightGradientAdded: return "adds a weight-0 regularizer's gradient with weight 1"
        case .unreachedDatumIsError: return "applies legacy no_gradient in structured mode"
        case .nonFiniteGradientZeroed: return "sends 0 for a non-finite or float32-overflowing gradient element"
        case .weightsNotNegated: return "sends weights = +g instead of -g"
        case .weightsLabelledInt64: return "labels the backward weights int64"
        case .weightsUnroundedFloat64: return "sends float64 weights that float32 cannot hold, labelled float32"
        case .weightsTruncatedToBFloat16: return "truncates the weights to bfloat16 precision"
        case .weightsFlattened: return "sends [T, K] weights flat, without their shape"
        case .extraLossFnInputsForwarded: return "forwards the datum's other loss_fn_inputs to the backward pass"
        case .targetTokensSentAsFloat32: return "sends target_tokens labelled float32"
        case .regularizerEntriesSortedByName: return "orders metrics.regularizers by name, not call order"
        case .customMetricsMergedAtTopLevel: return "merges custom metrics at the top level in structured mode"
        case .customMetricsDropped: return "reports every custom as empty"
        case .baseLossEntryWithoutLossFn: return "reports base_loss {value: 0} without a loss_fn"
        case .customMetricsLeakAcrossFns: return "puts every fn's custom metrics into each fn's custom map"
        case .weightEchoRoundedToFloat32: return "echoes the weight rounded to float32"
        case .boolMetricsRejected: return "rejects a bool metric as invalid_metrics"
        case .nonFiniteMetricsRejected: return "rejects a NaN or infinite metric as invalid_metrics"
        case .invalidMetricsDropped: return "drops a string, list, None or tensor metric instead of failing"
        case .backendMetricsDropped: return "drops the backend's own metrics (loss:sum) in structured mode"
        case .legacyReturnsStructuredMetrics: return "gives a legacy call the structured metrics"
        case .legacyCustomMetricsNotMerged: return "does not merge a legacy loss_fn's metrics"
        case .legacyBackendKeyWins: return "keeps the backend's metric over a legacy custom one of the same name"
        case .legacyNonFiniteLossRejected: return "fails a legacy call whose loss is NaN or infinite"
        case .legacyUnreachedDatumGetsZeroGradient: return "gives an unreached datum a zero gradient in legacy mode"
        case .forwardSentTwice: return "sends the forward request twice"
        case .backwardSentOnError: return "sends a backward request before failing with a fn's error"
        case .futureSwallowsError: return "resolves a failed future with an empty result"
        case .futureIgnoresOptions: return "drops grad norms, timeout and max_concurrency in the future form"
        case .gradNormWeightedKeepsSign: return "grad_norm_weighted = weight * grad_norm, sign kept"
        case .totalGradNormSumsFnNorms: return "total_grad_norm = sum of the fns' weighted norms"
        case .gradNormsAlwaysOn: return "reports grad norms with track_grad_norms off"
        case .timeoutIgnored: return "never times out an async fn"
        case .timeoutFromCallStart: return "runs each async fn's timeout from the call's start, slot waits included"
        case .timeoutReportedAsLossFnFailed: return "reports a timeout as loss_fn_failed"
        case .maxConcurrencyDropsQueuedFns: return "with max_concurrency set, drops the fns past the limit"
        case .telemetryContributionUnweighted: return "reports value as the contribution in fn-stop telemetry"
        case .telemetryCallStopMissing: return "emits no call-stop telemetry event"
        case .telemetryFnFailureUnreported: return "emits no fn-failed telemetry event"
        case .telemetryFnStopMissing: return "emits no fn-stopped telemetry event"
        case .telemetryFnStartLate: return "emits a fn's fn-started telemetry event after its end, out of order"
        }
    }
}
#endif
