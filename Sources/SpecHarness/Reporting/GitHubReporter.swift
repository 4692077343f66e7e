/// GitHub Actions workflow commands: an `::error` annotation at each failing, erroring or
/// unexpectedly passing case's line in its spec file, an `::error` per verdict problem (nothing
/// ran, a non-conforming engine) and a `::notice` per verdict note, then the counts.
/// (`regspec run --report github` also appends the Markdown summary to `$GITHUB_STEP_SUMMARY`.)
public struct GitHubReporter: Reporter {
    public init() {}

    public func render(_ document: ReportDocument) -> String {
        var lines: [String] = []
        for problem in document.problems {
            lines.append(
                "::error file=\(TextEscaping.githubProperty(problem.file)),line=\(problem.line),col=\(problem.column),title=\(TextEscaping.githubProperty("regspec: broken spec file"))::\(TextEscaping.githubData(problem.message))")
        }
        for record in document.cases {
            let title: String
            switch record.status {
            case .failed: title = "regspec: \(record.id) failed"
            case .errored: title = "regspec: \(record.id) errored"
            case .xpassed: title = "regspec: \(record.id) passed but is listed as an expected failure"
            case .passed, .skipped, .xfailed: continue
            }
            var message = [record.summary] + record.detailLines
            if record.status == .xpassed { message = ["take it off the expected-failures list (\(record.expectedFailure ?? ""))"] }
            lines.append(
                "::error file=\(TextEscaping.githubProperty(record.file)),line=\(record.line),title=\(TextEscaping.githubProperty(title))::\(TextEscaping.githubData(message.joined(separator: "\n")))")
        }
        lines += document.verdictProblems.map { "::error title=regspec verdict::\(TextEscaping.githubData($0))" }
        lines += document.verdictNotes.map { "::notice title=regspec verdict::\(TextEscaping.githubData($0))" }
        let level = document.succeeded ? "notice" : "error"
        lines.append("::\(level) title=regspec \(TextEscaping.githubProperty(document.engine.label))::\(TextEscaping.githubData(document.summaryLine))")
        return lines.joined(separator: "\n") + "\n"
    }
}
