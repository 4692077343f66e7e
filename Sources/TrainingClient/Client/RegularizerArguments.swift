/// A regularizer written as a dictionary, as Python callers write `{"fn": ..., "weight": ..., "name": ...}`.
///
/// Unlike `Regularizer` it can be malformed (a key missing, a value of the wrong type, an
/// extra key), which is what lets the reference report `invalid_regularizer` for every
/// mistake a dynamically typed caller can make.
public struct RegularizerArguments: Sendable, ExpressibleByDictionaryLiteral {
    public var fields: ScalarKeyedDictionary<ArgumentValue>

    public init(_ fields: ScalarKeyedDictionary<ArgumentValue>) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, ArgumentValue)...) {
        fields = ScalarKeyedDictionary(elements, uniquingKeysWith: { _, last in last })
    }
}

/// One value in a `RegularizerArguments` dictionary.
public enum ArgumentValue: Sendable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case function(LossFunction)
    case list([ArgumentValue])
    case mapping(ScalarKeyedDictionary<ArgumentValue>)
    case none

    public var description: String {
        switch self {
        case .string(let value): return "the string \"\(value)\""
        case .number(let value): return "the number \(value)"
        case .integer(let value): return "the integer \(value)"
        case .bool(let value): return "the bool \(value)"
        case .function: return "a function"
        case .list(let values): return "a list of \(values.count) values"
        case .mapping(let values): return "a mapping of \(values.count) keys"
        case .none: return "None"
        }
    }
}
