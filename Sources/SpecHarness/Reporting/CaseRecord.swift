/// One case in a report: where it is, what it covers, how it came out and why.
public struct CaseRecord: Sendable, Codable, Equatable {
    public var id: String
    public var suite: String
    public var summary: String
    public var file: String
    public var line: Int
    public var column: Int
    /// The case's position in its whole suite (before selection), so shard reports merge in suite order.
    public var order: Int
    public var tags: [String]
    public var checklist: [String]
    public var rules: [String]
    public var status: CaseResult.Status
    /// Wall time of the case; the run's engine start-up is in the report's duration, not here.
    public var durationSeconds: Double
    /// Why the case is listed as an expected failure, when it is.
    public var expectedFailure: String?
    public var mismatches: [Mismatch]
    /// Why the engine broke (errored cases).
    public var message: String?
    /// The last lines the engine wrote to stderr, when it broke.
    public var stderrTail: String?
    /// Why the case did not run (skipped cases).
    public var reason: String?
    /// The case's text in its spec file.
    public var source: String?

    public init(
        id: String, suite: String, summary: String = "", file: String, line: Int, column: Int = 1, order: Int = 0,
        tags: [String] = [], checklist: [String] = [], rules: [String] = [], status: CaseResult.Status,
        durationSeconds: Double = 0, expectedFailure: String? = nil, mismatches: [Mismatch] = [], message: String? = nil,
        stderrTail: String? = nil, reason: String? = nil, source: String? = nil
    ) {
        self.id = id
        self.suite = suite
        self.summary = summary
        self.file = file
        self.line = line
        self.column = column
        self.order = order
        self.tags = tags
        self.checklist = checklist
        self.rules = rules
        self.status = status
        self.durationSeconds = durationSeconds
        self.expectedFailure = expectedFailure
        self.mismatches = mismatches
        self.message = message
        self.stderrTail = stderrTail
        self.reason = reason
        self.source = source
    }

    public var location: String { "\(file):\(line):\(column)" }

    /// How `EngineFailure` separates its message from the engine's stderr tail.
    public static let stderrSeparator = "--- engine stderr (last lines) ---"

    /// Every line that explains a non-passing outcome.
    public var detailLines: [String] {
        if !mismatches.isEmpty { return mismatches.map(\.description) }
        if let message {
            var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if let stderrTail, !stderrTail.isEmpty {
                lines.append(CaseRecord.stderrSeparator)
                lines += stderrTail.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            return lines
        }
        if let reason { return [reason] }
        return []
    }

    enum CodingKeys: String, CodingKey {
        case id, suite, summary, file, line, column, order, tags, checklist, rules, status
        case durationSeconds = "duration_seconds", expectedFailure = "expected_failure", mismatches, message
        case stderrTail = "stderr_tail", reason, source
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        suite = try container.decode(String.self, forKey: .suite)
        summary = try container.decodeIfPresent(String.self, forKey: .summary) ?? ""
        file = try container.decode(String.self, forKey: .file)
        line = try container.decode(Int.self, forKey: .line)
        column = try container.decodeIfPresent(Int.self, forKey: .column) ?? 1
        order = try container.decodeIfPresent(Int.self, forKey: .order) ?? 0
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
        checklist = try container.decodeIfPresent([String].self, forKey: .checklist) ?? []
        rules = try container.decodeIfPresent([String].self, forKey: .rules) ?? []
        status = try container.decode(CaseResult.Status.self, forKey: .status)
        durationSeconds = try container.decodeIfPresent(Double.self, forKey: .durationSeconds) ?? 0
        expectedFailure = try container.decodeIfPresent(String.self, forKey: .expectedFailure)
        mismatches = try container.decodeIfPresent([Mismatch].self, forKey: .mismatches) ?? []
        message = try container.decodeIfPresent(String.self, forKey: .message)
        stderrTail = try container.decodeIfPresent(String.self, forKey: .stderrTail)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        source = try container.decodeIfPresent(String.self, forKey: .source)
    }
}
