/// One fixture file on the way from a case to its datums, to detect a fixture that refers back to itself.
struct FixtureLink: Sendable {
    /// The file with its symbolic links resolved, or its normalized path when it does not exist.
    let identity: String
    /// The path as the spec file wrote it, for the message.
    let written: String

    init(path: LexicalPath, written: String) {
        self.identity = (path.resolved ?? path.normalized).text
        self.written = written
    }
}
