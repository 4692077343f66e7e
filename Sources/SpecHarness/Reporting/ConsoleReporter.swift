import Foundation

/// The report people read: one block per case that did not pass, then the closing line.
public struct ConsoleReporter: Reporter {
    public var useColor: Bool

    public init(useColor: Bool) {
        self.useColor = useColor
    }

    public func render(_ report: RunReport) -> String {
        var lines: [String] = []
        for result in report.results {
            switch result.status {
            case .passed:
                continue
            case .skipped:
                continue
            case .xfailed:
                lines.append("\(paint("XFAIL", .yellow)) \(result.caseID): \(result.expectedFailure ?? "")")
            case .xpassed:
                lines.append("\(paint("XPASS", .red)) \(result.caseID) (\(result.location))")
                lines.append("     listed as an expected failure (\(result.expectedFailure ?? "")) but passed; take it off the list")
            case .failed, .errored:
                let label = result.status == .failed ? paint("FAIL", .red) : paint("ERROR", .magenta)
                lines.append("\(label) \(result.caseID) (\(result.location))")
                lines.append("     \(result.summary)")
                lines += result.detailLines.map { "     \($0)" }
            }
        }
        // Skips are summarised by reason: one line each, not one per case.
        for (reason, count) in RunVerdict.skipReasons(report.results) {
            lines.append("\(paint("SKIP", .yellow)) \(count) case\(count == 1 ? "" : "s"): \(reason)")
        }
        lines += report.verdict.notes.map { "note: \($0)" }
        lines += report.verdict.problems.map { "\(paint("FAILED", .red)): \($0)" }
        let engine = report.engine
        lines.append(
            "engine \(engine.name) (\(engine.language) \(engine.version)), \(report.results.count) cases in \(String(format: "%.2f", report.duration.seconds)) s")
        let summary = report.summaryLine
        lines.append(report.succeeded ? paint(summary, .green) : paint(summary, .red))
        return lines.joined(separator: "\n") + "\n"
    }

    enum Color: String {
        case red = "31", green = "32", yellow = "33", magenta = "35"
    }

    func paint(_ text: String, _ color: Color) -> String {
        useColor ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }
}
