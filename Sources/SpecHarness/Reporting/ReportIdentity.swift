/// Which harness wrote a report.
public struct HarnessIdentity: Sendable, Codable, Equatable {
    public var name: String
    public var version: String

    public init(name: String = "regspec", version: String = RegSpecVersion.current) {
        self.name = name
        self.version = version
    }
}

/// Which suite ran: its version number and a hash of the spec files' contents, so two reports
/// say whether they ran the same cases with the same expectations.
public struct SuiteIdentity: Sendable, Codable, Equatable {
    public var version: String
    /// `sha256:` and the hex digest of the spec files (see `SuiteHash`).
    public var contentHash: String
    /// The spec files, as given on the command line.
    public var files: [String]

    public init(version: String = RegSpecVersion.suite, contentHash: String = "", files: [String] = []) {
        self.version = version
        self.contentHash = contentHash
        self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case version, contentHash = "content_hash", files
    }
}

/// The implementation under test, as it described itself, plus the label the user gave it.
public struct EngineIdentity: Sendable, Codable, Equatable {
    /// The label in tables: `--engine-name`, or the engine's own name.
    public var label: String
    public var name: String
    public var language: String
    public var version: String
    public var capabilities: [String]
    /// The `--engine-command`, when the engine is a process.
    public var command: String?

    public init(label: String? = nil, name: String, language: String, version: String, capabilities: [String], command: String? = nil) {
        self.label = label ?? name
        self.name = name
        self.language = language
        self.version = version
        self.capabilities = capabilities.sorted()
        self.command = command
    }

    public init(_ description: EngineDescription, label: String? = nil, command: String? = nil) {
        self.init(
            label: label, name: description.name, language: description.language, version: description.version,
            capabilities: description.capabilities.map(\.rawValue), command: command)
    }
}

/// What the run selected, so a report can be re-run or its shards merged.
public struct SelectionRecord: Sendable, Codable, Equatable {
    public var filter: String?
    public var tags: [String]
    public var excludedTags: [String]
    public var caseIDs: [String]
    /// `I/N`, when the run was one shard.
    public var shard: String?
    /// How many cases the selection matched before sharding: what the merged shards must cover.
    /// Absent in reports written before it existed.
    public var selectedCases: Int?
    /// `SelectionRecord.digest(of:)` over the ids the selection matched before sharding, so a
    /// merge can tell shards of different selections apart and prove it covers the selection.
    public var selectedDigest: String?

    public init(
        filter: String? = nil, tags: [String] = [], excludedTags: [String] = [], caseIDs: [String] = [], shard: String? = nil,
        selectedCases: Int? = nil, selectedDigest: String? = nil
    ) {
        self.filter = filter
        self.tags = tags
        self.excludedTags = excludedTags
        self.caseIDs = caseIDs
        self.shard = shard
        self.selectedCases = selectedCases
        self.selectedDigest = selectedDigest
    }

    /// This selection before sharding, recording the cases it matched.
    package func whole(of ids: [String]) -> SelectionRecord {
        var record = self
        record.selectedCases = ids.count
        record.selectedDigest = SelectionRecord.digest(of: ids)
        return record
    }

    /// `sha256:` over the ids in code-point order, each ended by a NUL: the same cases give the
    /// same digest whatever their order.
    package static func digest(of ids: some Sequence<String>) -> String {
        var hasher = SHA256()
        for id in ids.sorted(by: { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }) {
            hasher.update(Array(id.utf8) + [0])
        }
        return "sha256:" + hasher.finalize()
    }

    enum CodingKeys: String, CodingKey {
        case filter, tags, excludedTags = "excluded_tags", caseIDs = "case_ids", shard
        case selectedCases = "selected_cases", selectedDigest = "selected_digest"
    }
}

/// A spec-file problem found while loading.
public struct ProblemRecord: Sendable, Codable, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }
}
