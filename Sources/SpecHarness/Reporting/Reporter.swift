/// Turns a report into a report file's text. Every format renders the JSON report's model,
/// so a saved JSON report can be re-rendered into any of them.
public protocol Reporter: Sendable {
    func render(_ document: ReportDocument) -> String
}

extension Reporter {
    /// Renders a run that has no suite context (tests, embedders).
    public func render(_ report: RunReport) -> String { render(ReportDocument(report)) }
}

/// The report formats `--report` and `--format` offer.
package enum ReportFormat: String, Sendable, CaseIterable {
    case console
    case json
    /// One JSON object per case, written as each case finishes (JSONLinesReporter).
    case jsonl
    case junit
    case tap
    case markdown
    case html
    case github

    package func reporter(useColor: Bool = false) -> any Reporter {
        switch self {
        case .console: return ConsoleReporter(useColor: useColor)
        case .json: return JSONReporter()
        case .jsonl: return JSONLinesReporter()
        case .junit: return JUnitReporter()
        case .tap: return TAPReporter()
        case .markdown: return MarkdownReporter()
        case .html: return HTMLReporter()
        case .github: return GitHubReporter()
        }
    }
}

extension Duration {
    /// Seconds as a Double, for reports.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

extension CaseResult {
    /// Every line that explains a non-passing outcome.
    var detailLines: [String] {
        switch outcome {
        case .passed: return []
        case .failed(let mismatches): return mismatches.map(\.description)
        case .errored(let failure): return failure.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        case .skipped(let reason): return [reason]
        }
    }
}
