/// A YAML value with the place it was written, so every later check can point at it.
///
/// Built once from the parser's tree; everything downstream reads this, never Yams.
public struct YAMLValue: Sendable {
    public enum Content: Sendable {
        case null
        case bool(Bool)
        case integer(Int)
        case number(Double)
        case string(String)
        case sequence([YAMLValue])
        case mapping([(key: String, keyLocation: SourceLocation, value: YAMLValue)])
    }

    public var content: Content
    public var location: SourceLocation

    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// How a reader would name this kind of value in a message.
    public var kindName: String {
        switch content {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
