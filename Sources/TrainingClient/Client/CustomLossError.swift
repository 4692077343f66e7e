/// Why a `forwardBackwardCustom` call failed. When it is thrown, no backward request was sent.
public struct CustomLossError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: CustomLossErrorKind
    /// `loss_fn` or the regularizer's name, when one fn is at fault.
    public let label: String?
    public let message: String

    public init(kind: CustomLossErrorKind, label: String? = nil, message: String) {
        self.kind = kind
        self.label = label
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

extension CustomLossError {
    static let missingLoss = CustomLossError(
        kind: .missingLoss,
        message: "forwardBackwardCustom needs a loss_fn or a non-empty regularizers list; neither was given")

    static let emptyData = CustomLossError(
        kind: .emptyData, message: "No data provided: pass at least one datum")

    static func missingTargetTokens(datum: Int) -> CustomLossError {
        CustomLossError(
            kind: .missingTargetTokens,
            message: "datum \(datum) has no loss_fn_inputs.target_tokens; every datum needs the tokens its logprobs score")
    }

    static func invalidRegularizer(index: Int, name: String?, problem: String) -> CustomLossError {
        let who = name.map { "regularizers[\(index)] ('\($0)')" } ?? "regularizers[\(index)]"
        return CustomLossError(kind: .invalidRegularizer, label: name, message: "\(who): \(problem)")
    }

    static func nonScalarLoss(label: String, shape: [Int], count: Int) -> CustomLossError {
        CustomLossError(
            kind: .nonScalarLoss, label: label,
            message: "\(label) returned a loss of shape \(shape) with \(count) elements; return exactly one element (e.g. reduce with sum() or mean())")
    }

    static func nonFiniteLoss(label: String, value: Double) -> CustomLossError {
        CustomLossError(
            kind: .nonFiniteLoss, label: label,
            message: "\(label) returned a loss of \(value); the loss must be finite")
    }

    /// A finite value times a finite weight overflowed.
    static func nonFiniteContribution(label: String, weight: Double, value: Double, contribution: Double) -> CustomLossError {
        CustomLossError(
            kind: .nonFiniteLoss, label: label,
            message: "\(label)'s contribution weight * value = \(weight) * \(value) overflows to \(contribution); nothing was sent to the backend. Scale the loss or the weight down")
    }

    /// A total of finite contributions overflowed; labelled `loss_total`, as no one fn is at fault.
    static func nonFiniteTotal(_ total: String, value: Double) -> CustomLossError {
        CustomLossError(
            kind: .nonFiniteLoss, label: "loss_total",
            message: "\(total) overflows to \(value) although every value and contribution is finite; nothing was sent to the backend. Scale the losses or weights down")
    }

    /// An element of `g = d(loss_total)/d(logprobs)` is NaN or infinite.
    /// - Parameter culprit: the one fn whose own gradient is non-finite there, when there is one.
    static func nonFiniteGradient(datum: Int, element: Int, value: Double, culprit: String?) -> CustomLossError {
        let why = culprit.map { " because \($0)'s gradient is non-finite there" } ?? ""
        return CustomLossError(
            kind: .nonFiniteGradient, label: culprit,
            message: "d(loss_total)/d(logprobs) is \(value) at datum \(datum), element \(element)\(why); nothing was sent to the backend")
    }

    /// `float32(-g)` overflows although `g` is finite in float64.
    static func float32Overflow(datum: Int, element: Int, value: Double) -> CustomLossError {
        CustomLossError(
            kind: .nonFiniteGradient,
            message: "d(loss_total)/d(logprobs) is \(value) at datum \(datum), element \(element), beyond float32's range (±\(Float.greatestFiniteMagnitude)), so the float32 weight would be infinite; nothing was sent to the backend")
    }

    static func invalidMetrics(label: String, key: String, problem: String) -> CustomLossError {
        CustomLossError(
            kind: .invalidMetrics, label: label,
            message: "\(label) returned metric '\(key)' \(problem); metrics must map strings to numbers or booleans")
    }

    static func lossFnFailed(label: String, underlying: any Error) -> CustomLossError {
        CustomLossError(kind: .lossFnFailed, label: label, message: "\(label) raised: \(underlying)")
    }

    static func noGradient(datum: Int) -> CustomLossError {
        CustomLossError(
            kind: .noGradient,
            message: "No gradient computed for logprob tensor \(datum): the loss_fn must depend on every datum's logprobs")
    }

    static func timeout(label: String, limit: Duration) -> CustomLossError {
        CustomLossError(
            kind: .timeout, label: label,
            message: "\(label) did not finish within \(limit) and was cancelled; raise the timeout or make it faster")
    }
}
