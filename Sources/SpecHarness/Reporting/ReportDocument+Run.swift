#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a report says about a run beyond its results: who ran it, how, and when.
public struct ReportContext: Sendable {
    public var engineLabel: String?
    public var engineCommand: String?
    public var selection: SelectionRecord
    public var startedAt: Date
    public var hostname: String
    public var incomplete: Bool

    public init(
        engineLabel: String? = nil, engineCommand: String? = nil, selection: SelectionRecord = SelectionRecord(),
        startedAt: Date = Date(), hostname: String = ProcessInfo.processInfo.hostName, incomplete: Bool = false
    ) {
        self.engineLabel = engineLabel
        self.engineCommand = engineCommand
        self.selection = selection
        self.startedAt = startedAt
        self.hostname = hostname
        self.incomplete = incomplete
    }

    /// `date` in UTC as RFC 3339 to the second (`2026-01-31T23:59:59Z`), computed here: a date
    /// formatter would link ICU into the binary.
    static func timestamp(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, time) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        // Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil, inverted).
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(dayOfMonth, 2))T"
            + "\(padded(time / 3600, 2)):\(padded(time / 60 % 60, 2)):\(padded(time % 60, 2))Z"
    }
}

extension ReportDocument {
    /// The report of a finished run of cases from `suite`.
    /// - Parameters:
    ///   - run: the results and the engine that produced them.
    ///   - suite: the loaded suite the cases came from (their files, source text and hash).
    ///   - context: what the report says about the run beyond its results.
    ///   - duration: the whole run's wall time, engine start-up included.
    public init(run: RunReport, suite: LoadedSuite, context: ReportContext, duration: Duration? = nil) {
        let sources = CaseSources(suite: suite)
        let order = Dictionary(suite.cases.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let cases = Dictionary(suite.cases.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let records = run.results.map { result in
            var record = CaseRecord(result)
            record.order = order[result.caseID] ?? 0
            if let specCase = cases[result.caseID] {
                record.tags = specCase.tags
                record.checklist = specCase.covers.checklist
                record.rules = specCase.covers.rules
                record.column = specCase.location.column
                record.source = sources.text(of: specCase)
            }
            return record
        }
        self.init(
            suite: SuiteIdentity(suite), engine: EngineIdentity(run.engine, label: context.engineLabel, command: context.engineCommand),
            selection: context.selection, startedAt: ReportContext.timestamp(context.startedAt),
            durationSeconds: (duration ?? run.duration).seconds, hostname: context.hostname, incomplete: context.incomplete,
            cases: records, verdict: run.verdict)
    }

    /// The report of a run that stopped before any case ran because spec files are broken.
    public init(problems: [SpecDiagnostic], suite: LoadedSuite, context: ReportContext, engine: EngineIdentity) {
        self.init(
            suite: SuiteIdentity(suite), engine: engine, selection: context.selection,
            startedAt: ReportContext.timestamp(context.startedAt), durationSeconds: 0, hostname: context.hostname,
            cases: [],
            problems: problems.map {
                ProblemRecord(
                    file: $0.location.file, line: $0.location.line, column: $0.location.column,
                    message: $0.hint.isEmpty ? $0.message : "\($0.message) (hint: \($0.hint))")
            })
    }

    /// A report of `run` with no suite context, for tests and embedders.
    public init(_ run: RunReport) {
        self.init(run: run, suite: LoadedSuite(), context: ReportContext(startedAt: Date(timeIntervalSince1970: 0), hostname: ""))
    }
}

extension CaseRecord {
    /// A result as a report records it, without what only the suite knows (source, coverage, order).
    public init(_ result: CaseResult) {
        self.init(
            id: result.caseID, suite: result.suite, summary: result.summary, file: result.location.file,
            line: result.location.line, column: result.location.column, status: result.status,
            durationSeconds: result.duration.seconds, expectedFailure: result.expectedFailure)
        switch result.outcome {
        case .passed: break
        case .failed(let mismatches): self.mismatches = mismatches
        case .errored(let failure):
            message = failure.message
            stderrTail = failure.stderrTail.isEmpty ? nil : failure.stderrTail
        case .skipped(let reason): self.reason = reason
        }
    }
}

extension SuiteIdentity {
    /// The identity of a loaded suite: the repository's suite version and the hash of its files.
    public init(_ suite: LoadedSuite) {
        self.init(contentHash: SuiteHash.of(paths: suite.files.map(\.path)), files: suite.files.map(\.path))
    }
}

/// The content hash of a suite: SHA-256 over each spec file's name and bytes, in name order,
/// so the same files give the same hash from any directory or checkout.
package enum SuiteHash {
    package static func of(paths: [String]) -> String {
        guard !paths.isEmpty else { return "" }
        var hasher = SHA256()
        let named = paths.map { (name: ReportPath.fileName(of: $0), path: $0) }.sorted { $0.name < $1.name }
        for file in named {
            hasher.update(Array(file.name.utf8) + [0])
            hasher.update(FileManager.default.contents(atPath: file.path) ?? Data())
            hasher.update([0])
        }
        return "sha256:" + hasher.finalize()
    }
}

/// The text of each case in its spec file: from its line to the next case's, blank lines trimmed.
struct CaseSources {
    private var lines: [String: [Substring]] = [:]
    private var starts: [String: [Int]] = [:]

    init(suite: LoadedSuite) {
        for file in suite.files {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            lines[file.path] = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            starts[file.path] = file.cases.map(\.location.line).sorted()
        }
    }

    func text(of specCase: SpecCase) -> String? {
        let file = specCase.location.file
        guard let lines = lines[file], let starts = starts[file] else { return nil }
        let first = specCase.location.line - 1
        guard first >= 0, first < lines.count else { return nil }
        let end = min(starts.first { $0 > specCase.location.line }.map { $0 - 1 } ?? lines.count, lines.count)
        var slice = Array(lines[first..<max(first, end)])
        while let last = slice.last, last.trimmingWhitespace().isEmpty { slice.removeLast() }
        let text = slice.joined(separator: "\n")
        return text.isEmpty ? nil : text
    }
}
