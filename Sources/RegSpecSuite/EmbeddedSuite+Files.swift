extension EmbeddedSuite {
    /// (path relative to the repository, bytes), in path order: the generated base64, decoded once.
    /// A literal that does not decode (the generated file edited by hand) decodes to no bytes, which
    /// the copy check reports as a damaged file and `tools/embed_suite.py --check` as a stale one.
    static let files: [(path: String, bytes: [UInt8])] = encodedFiles.map { file in
        (file.path, Base64.decoded(file.base64) ?? [])
    }
}
