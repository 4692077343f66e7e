/// Every way a tensor operation can reject its input.
///
/// Operations throw instead of trapping so that a loss author gets a message
/// naming the offending shapes or indices rather than a crashed process.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// Two operands of an elementwise or joining operation have incompatible shapes.
    case shapeMismatch(operation: String, lhs: [Int], rhs: [Int])
    /// A one-element tensor was required, but this one has another element count.
    case notScalar(shape: [Int])
    /// An index along the first axis is outside `0..<count`.
    case indexOutOfRange(index: Int, count: Int)
    /// A slice `lower..<upper` along the first axis is not inside `0...count`.
    case rangeOutOfBounds(lower: Int, upper: Int, count: Int)
    /// A shape has a negative dimension or does not describe `count` elements.
    case invalidShape([Int], count: Int)
    /// An operation that needs at least one axis was given a 0-d (scalar) tensor.
    case zeroDimensional(operation: String)
    /// An operation that needs at least one input tensor was given none.
    case emptyInput(operation: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(operation, lhs, rhs):
            switch operation {
            case "stack":
                return "stack: shape \(rhs) differs from the first input's shape \(lhs); "
                    + "every stacked tensor must have the same shape"
            case "concatenate":
                return "concatenate: shape \(rhs) has different trailing dimensions from the first input's shape \(lhs); "
                    + "inputs may differ only in their first dimension"
            default:
                return "\(operation): shapes \(lhs) and \(rhs) are incompatible; "
                    + "use operands of equal shape, or make one side a single element so it broadcasts"
            }
        case let .notScalar(shape):
            let count = Tensor.elementCount(of: shape)
            return "expected a tensor with exactly one element but got shape \(shape) "
                + "(\(count) elements); reduce it first with sum() or mean(), or select one element by index"
        case let .indexOutOfRange(index, count):
            return "index \(index) is out of range for a first axis of size \(count); "
                + "use an index in 0..<\(count) (negative indices are not supported)"
        case let .rangeOutOfBounds(lower, upper, count):
            return "slice \(lower)..<\(upper) is out of bounds for a first axis of size \(count); "
                + "use bounds within 0...\(count)"
        case let .invalidShape(shape, count):
            return "shape \(shape) cannot hold \(count) elements; "
                + "dimensions must be non-negative and multiply to \(count)"
                + " (reshaped also accepts a single -1 to infer one dimension)"
        case let .zeroDimensional(operation):
            return "\(operation) needs a tensor with at least one axis but got a 0-d (scalar) tensor; "
                + "reshape it to [1] first"
        case let .emptyInput(operation):
            return "\(operation) needs at least one tensor but got an empty list; pass one or more tensors"
        }
    }
}
