/// A problem in a spec or fixture file: where, what, and what to do about it.
public struct SpecDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    /// What to change; empty when the message says it all.
    public var hint: String

    public init(_ location: SourceLocation, _ message: String, hint: String = "") {
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.isEmpty ? "\(location): error: \(message)" : "\(location): error: \(message)\n    hint: \(hint)"
    }
}
