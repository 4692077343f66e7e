/// Something in a spec file that is legal but weakens what the case checks.
public struct SpecWarning: Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var hint: String

    public init(_ location: SourceLocation, _ message: String, hint: String = "") {
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.isEmpty ? "\(location): warning: \(message)" : "\(location): warning: \(message)\n    hint: \(hint)"
    }
}
