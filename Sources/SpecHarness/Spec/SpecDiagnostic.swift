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

    /// `file:line:column: error: message` on one line, then the hint on its own line; text from
    /// spec files (a path, an id, a key) cannot add a line or reach the terminal, see `UserText`.
    public var description: String {
        Self.formatted(location, "error", message, hint: hint)
    }

    /// `file:line:column: SEVERITY: message`, then the hint on its own line, user text escaped:
    /// the one format of every error and warning about a spec file.
    static func formatted(_ location: SourceLocation, _ severity: String, _ message: String, hint: String) -> String {
        let head = "\(UserText.escaped(location.description)): \(severity): \(UserText.escaped(message))"
        return hint.isEmpty ? head : head + "\n    hint: \(UserText.escaped(hint))"
    }
}
