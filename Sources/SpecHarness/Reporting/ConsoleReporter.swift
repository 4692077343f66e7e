#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The report people read, as pytest users expect: each case that did not pass as it happens,
/// then a short summary of the failing ids, the engine and timing, and the closing counts line.
public struct ConsoleReporter: Reporter {
    /// `-q`: only the closing line; `-v`: every case.
    public enum Verbosity: Sendable {
        case quiet, normal, verbose
    }

    public var useColor: Bool
    public var verbosity: Verbosity

    public init(useColor: Bool, verbosity: Verbosity = .normal) {
        self.useColor = useColor
        self.verbosity = verbosity
    }

    public func render(_ document: ReportDocument) -> String {
        document.cases.map(caseBlock).joined() + closing(document)
    }

    /// What to print the moment a case finishes ("" for a pass unless verbose).
    public func caseBlock(_ record: CaseRecord) -> String {
        guard verbosity != .quiet else { return "" }
        var lines: [String] = []
        let id = TextEscaping.oneLine(record.id)
        switch record.status {
        case .passed:
            if verbosity == .verbose { lines.append("\(paint("PASS", .green)) \(id)") }
        case .skipped:
            // Skips are summed up by reason in the closing lines; one line per case only with -v.
            if verbosity == .verbose {
                lines.append("\(paint("SKIP", .yellow)) \(id): \(TextEscaping.consoleLine(record.detailLines.joined(separator: " ")))")
            }
        case .xfailed:
            lines.append("\(paint("XFAIL", .yellow)) \(id): \(TextEscaping.consoleLine(record.expectedFailure ?? ""))")
        case .xpassed:
            lines.append("\(paint("XPASS", .red)) \(id) (\(TextEscaping.oneLine(record.location)))")
            lines.append("     listed as an expected failure (\(TextEscaping.consoleLine(record.expectedFailure ?? ""))) but passed; take it off the list")
        case .failed, .errored:
            let label = record.status == .failed ? paint("FAIL", .red) : paint("ERROR", .magenta)
            lines.append("\(label) \(id) (\(TextEscaping.oneLine(record.location)))")
            lines.append("     \(TextEscaping.consoleLine(record.summary))")
            // Cut as a whole, however it is split into lines: the explanation, then the engine's
            // stderr tail, each at most a screenful.
            let detail = record.detailLines
            var shown: String
            if record.mismatches.isEmpty, let message = record.message, let tail = record.stderrTail, !tail.isEmpty {
                shown = TextEscaping.console(message) + "\n" + CaseRecord.stderrSeparator + "\n" + TextEscaping.console(tail)
            } else {
                shown = TextEscaping.console(detail.joined(separator: "\n"))
            }
            if !detail.isEmpty {
                lines += shown.split(separator: "\n", omittingEmptySubsequences: false).map { "     \($0)" }
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Everything after the cases: spec-file problems, the short summary of failing ids, the
    /// engine and duration line, and the counts line.
    public func closing(_ document: ReportDocument) -> String {
        let summary = document.summaryLine
        let closingLine = document.succeeded ? paint(summary, .green) : paint(summary, .red)
        guard verbosity != .quiet else { return closingLine + "\n" }
        var lines: [String] = []
        for problem in document.problems {
            lines.append("\(TextEscaping.oneLine(problem.file)):\(problem.line):\(problem.column): error: \(TextEscaping.console(problem.message))")
        }
        let unsuccessful = document.cases.filter { [.failed, .errored, .xpassed].contains($0.status) }
        if !unsuccessful.isEmpty {
            lines.append("short summary:")
            for record in unsuccessful {
                let label = ["failed": "FAILED", "errored": "ERROR", "xpassed": "XPASS"][record.status.rawValue] ?? ""
                lines.append("  \(label) \(TextEscaping.oneLine(record.id))")
            }
        }
        for (reason, count) in RunVerdict.skipReasons(document.cases.filter { $0.status == .skipped }.map { $0.reason ?? "" }) {
            lines.append("\(paint("SKIP", .yellow)) \(counted(count, "case")): \(TextEscaping.consoleLine(reason))")
        }
        lines += document.verdictNotes.map { "note: \(TextEscaping.consoleLine($0))" }
        lines += document.verdictProblems.map { "\(paint("FAILED", .red)): \(TextEscaping.consoleLine($0))" }
        let engine = document.engine
        let name = engine.label == engine.name ? engine.name : "\(engine.label) [\(engine.name)]"
        lines.append(
            "engine \(TextEscaping.oneLine(name)) (\(TextEscaping.oneLine("\(engine.language) \(engine.version)"))), suite \(TextEscaping.oneLine(document.suite.version)), \(counted(document.cases.count, "case")) in \(PrintfFormat.string("%.2f", document.durationSeconds)) s (engine start-up included)")
        if let version = document.conformsToSuite {
            lines.append("engine \(TextEscaping.oneLine(name)) conforms to suite \(TextEscaping.oneLine(version)) (\(TextEscaping.oneLine(document.suite.contentHash)))")
        }
        lines.append(closingLine)
        return lines.joined(separator: "\n") + "\n"
    }

    enum Color: String {
        case red = "31", green = "32", yellow = "33", magenta = "35"
    }

    func paint(_ text: String, _ color: Color) -> String {
        useColor ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }
}
