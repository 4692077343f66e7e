/// The language-neutral error kinds a `forwardBackwardCustom` call can fail with.
///
/// Raw values are the names conformance specs and other implementations use.
public enum CustomLossErrorKind: String, Sendable, Codable, CaseIterable {
    case missingLoss = "missing_loss"
    case invalidRegularizer = "invalid_regularizer"
    case emptyData = "empty_data"
    case missingTargetTokens = "missing_target_tokens"
    case nonScalarLoss = "non_scalar_loss"
    case nonFiniteLoss = "non_finite_loss"
    /// Structured mode only: an element of the composed gradient, or of the float32 weights
    /// that would carry it, is NaN or infinite.
    case nonFiniteGradient = "non_finite_gradient"
    case invalidMetrics = "invalid_metrics"
    case lossFnFailed = "loss_fn_failed"
    case noGradient = "no_gradient"
    case timeout
}
