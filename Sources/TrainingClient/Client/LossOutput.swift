import Autodiff

/// What a loss function returns: its loss and its own metrics.
public struct LossOutput: Sendable {
    public var loss: Tensor
    public var metrics: CustomMetrics

    public init(loss: Tensor, metrics: CustomMetrics = [:]) {
        self.loss = loss
        self.metrics = metrics
    }
}

/// A loss function's metrics as it returned them, in its order, before they are checked.
public struct CustomMetrics: Sendable, ExpressibleByDictionaryLiteral {
    public var entries: ScalarKeyedDictionary<CustomMetricValue>

    public init(_ entries: ScalarKeyedDictionary<CustomMetricValue>) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (String, CustomMetricValue)...) {
        entries = ScalarKeyedDictionary(elements, uniquingKeysWith: { _, last in last })
    }
}

/// A metric value as a loss function may return it. Only numbers, booleans and
/// one-element tensors are valid; the others exist so that a bad value is reported as
/// `invalid_metrics` instead of being impossible to express (as it is possible in Python).
public enum CustomMetricValue: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral
{
    case number(Double)
    case bool(Bool)
    case tensor(Tensor)
    case string(String)
    case list([CustomMetricValue])
    case none

    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(nilLiteral: ()) { self = .none }

    /// The reported number (a bool becomes 1.0 or 0.0), or why the value is not one.
    func reportedNumber() -> Result<Double, MetricProblem> {
        switch self {
        case .number(let value): return .success(value)
        case .bool(let value): return .success(value ? 1 : 0)
        case .tensor(let tensor):
            guard tensor.scalarCount == 1, let value = try? tensor.item() else {
                return .failure(MetricProblem("is a tensor of shape \(tensor.shape) with \(tensor.scalarCount) elements"))
            }
            return .success(value)
        case .string(let value): return .failure(MetricProblem("is a string (\"\(value)\")"))
        case .list(let values): return .failure(MetricProblem("is a list of \(values.count) values"))
        case .none: return .failure(MetricProblem("is None"))
        }
    }
}

struct MetricProblem: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
