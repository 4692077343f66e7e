#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The versioned JSON report (docs/report-format.md, docs/schema/report.schema.json): everything
/// a run produced, self-describing enough that every other format is rendered from it alone and
/// that saved reports can be merged, compared and diffed later.
public struct ReportDocument: Sendable, Codable, Equatable {
    /// Bumped when a field changes meaning or goes away; new optional fields keep the version.
    public static let currentFormatVersion = 1
    public static let formatName = "regspec-report"

    public var format: String = ReportDocument.formatName
    public var formatVersion: Int = ReportDocument.currentFormatVersion
    public var harness: HarnessIdentity
    public var suite: SuiteIdentity
    public var engine: EngineIdentity
    public var selection: SelectionRecord
    /// When the run started, ISO 8601 in UTC.
    public var startedAt: String
    /// Wall time of the whole run, engine start-up included.
    public var durationSeconds: Double
    /// The machine the run happened on.
    public var hostname: String
    /// The run was interrupted: only the cases listed ran.
    public var incomplete: Bool
    public var totals: [String: Int]
    public var cases: [CaseRecord]
    /// Problems in the spec files that stopped the run before any case ran.
    public var problems: [ProblemRecord]
    /// Why the run fails beyond its cases (nothing ran, a non-conforming engine) and what a
    /// reader should know (a partial engine allowed); absent when a run stopped before judging.
    public var verdict: RunVerdict?

    public init(
        harness: HarnessIdentity = HarnessIdentity(), suite: SuiteIdentity, engine: EngineIdentity,
        selection: SelectionRecord = SelectionRecord(), startedAt: String, durationSeconds: Double,
        hostname: String = "", incomplete: Bool = false, cases: [CaseRecord], problems: [ProblemRecord] = [],
        verdict: RunVerdict? = nil
    ) {
        self.harness = harness
        self.suite = suite
        self.engine = engine
        self.selection = selection
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.hostname = hostname
        self.incomplete = incomplete
        self.cases = cases
        self.problems = problems
        self.verdict = verdict
        self.totals = ReportDocument.totals(of: cases)
    }

    /// Counts per status, every status present (zero when none).
    public static func totals(of cases: [CaseRecord]) -> [String: Int] {
        var totals: [String: Int] = [:]
        for status in CaseResult.Status.allCases { totals[status.rawValue] = cases.filter { $0.status == status }.count }
        return totals
    }

    public func count(_ status: CaseResult.Status) -> Int { cases.filter { $0.status == status }.count }

    /// `N passed, N failed, N errored, N skipped`, with `, N xfailed, N xpassed` when there are any.
    public var summaryLine: String {
        var statuses: [CaseResult.Status] = [.passed, .failed, .errored, .skipped]
        if count(.xfailed) + count(.xpassed) > 0 { statuses += [.xfailed, .xpassed] }
        var line = statuses.map { "\(count($0)) \($0.rawValue)" }.joined(separator: ", ")
        if !problems.isEmpty { line = "\(counted(problems.count, "problem")) in the spec files, nothing run" }
        if incomplete { line += " (incomplete: the run was interrupted)" }
        return line
    }

    /// Why the run fails beyond its cases; none when it was not judged or nothing stands in the way.
    public var verdictProblems: [String] { (verdict?.problems ?? []).map(\.description) }

    /// What a reader should know about the run without it failing (a partial engine allowed).
    public var verdictNotes: [String] { (verdict?.notes ?? []).map(\.description) }

    /// Whether CI should go green.
    public var succeeded: Bool {
        problems.isEmpty && !incomplete && count(.failed) == 0 && count(.errored) == 0 && count(.xpassed) == 0
            && (verdict?.passes ?? true)
    }

    /// The suite version the engine conforms to, as far as this run shows: the whole suite ran
    /// (no narrowing, no shard left out), nothing failed, errored or was expected to fail, and
    /// the verdict has neither problems nor notes (a partial engine is no conforming one).
    public var conformsToSuite: String? {
        let whole = selection.filter == nil && selection.tags.isEmpty && selection.excludedTags.isEmpty
            && selection.caseIDs.isEmpty && selection.shard == nil
        guard succeeded, whole, count(.passed) > 0, count(.xfailed) == 0, verdictNotes.isEmpty else { return nil }
        return suite.version
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", harness, suite, engine, selection
        case startedAt = "started_at", durationSeconds = "duration_seconds", hostname, incomplete, totals, cases, problems, verdict
    }

    /// What the JSON carries beyond the stored fields: derived, so never read back.
    private enum DerivedKeys: String, CodingKey {
        case conformsTo = "conforms_to"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(harness, forKey: .harness)
        try container.encode(suite, forKey: .suite)
        try container.encode(engine, forKey: .engine)
        try container.encode(selection, forKey: .selection)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(hostname, forKey: .hostname)
        try container.encode(incomplete, forKey: .incomplete)
        try container.encode(totals, forKey: .totals)
        try container.encode(cases, forKey: .cases)
        try container.encode(problems, forKey: .problems)
        try container.encodeIfPresent(verdict, forKey: .verdict)
        var derived = encoder.container(keyedBy: DerivedKeys.self)
        try derived.encodeIfPresent(conformsToSuite, forKey: .conformsTo)
    }
}
