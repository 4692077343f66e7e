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

    /// As diagnostics are written: one line, text from the spec file escaped (a pattern may hold ESC).
    public var description: String {
        SpecDiagnostic.formatted(location, "warning", message, hint: hint)
    }
}
