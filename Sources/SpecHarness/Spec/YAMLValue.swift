/// A YAML value with the place it was written, so every later check can point at it.
///
/// Built once from libyaml's events; everything downstream reads this, never libyaml.
package struct YAMLValue: Sendable {
    package enum Content: Sendable {
        case null
        case bool(Bool)
        case integer(Int)
        case number(Double)
        case string(String)
        case sequence([YAMLValue])
        /// A non-empty list whose items are all plain numbers, packed; see `NumberList`.
        case numbers(NumberList)
        case mapping([(key: String, keyLocation: SourceLocation, value: YAMLValue)])
    }

    package var content: Content
    package var location: SourceLocation

    package init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// How a reader would name this kind of value in a message.
    package var kindName: String {
        switch content {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .sequence, .numbers: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
