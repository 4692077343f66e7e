/// A problem in a spec or fixture file: where, what, and what to do about it.
///
/// An error stops the file from loading; a warning marks something legal that weakens what a case
/// checks (a tolerance that cannot tell the answer from zero, a skipped file), which
/// `regspec validate --strict` treats as an error.
public struct SpecDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// How much a diagnostic stops: an error fails the load, a warning only informs.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var location: SourceLocation
    public var message: String
    /// What to change; empty when the message says it all.
    public var hint: String
    public var severity: Severity

    public init(_ location: SourceLocation, _ message: String, hint: String = "", severity: Severity = .error) {
        self.location = location
        self.message = message
        self.hint = hint
        self.severity = severity
    }

    /// A diagnostic of severity `.warning`.
    package static func warning(_ location: SourceLocation, _ message: String, hint: String = "") -> SpecDiagnostic {
        SpecDiagnostic(location, message, hint: hint, severity: .warning)
    }

    /// `file:line:column: error: message` (or `warning:`) on one line, then the hint on its own line:
    /// the one format of every diagnostic about a spec file. Text from spec files (a path, an id, a
    /// key) cannot add a line or reach the terminal, see `UserText`.
    public var description: String {
        let head = "\(UserText.escaped(location.description)): \(severity.rawValue): \(UserText.escaped(message))"
        return hint.isEmpty ? head : head + "\n    hint: \(UserText.escaped(hint))"
    }
}
