/// The version of RegSpec, reported by engines and the CLI.
public enum RegSpecVersion {
    public static let current = "0.2.0"
    /// The version of the shipped suite (specs/ and fixtures/): bumped by the rule in
    /// docs/report-format.md (a new case, a changed expectation, a protocol change).
    /// Reports carry it with the spec files' content hash.
    public static let suite = "2.1.0"
}
