/// One loaded spec file: its suite name and the cases that loaded cleanly.
public struct SpecFile: Sendable {
    public var path: String
    public var suite: String
    public var summary: String?
    public var cases: [SpecCase]
}
