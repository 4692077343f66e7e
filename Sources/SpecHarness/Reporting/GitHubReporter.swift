/// GitHub Actions workflow commands, verdict first: the counts (an `::error` when the run
/// fails), an `::error` per verdict problem, then an `::error` annotation at each failing,
/// erroring or unexpectedly passing case's line in its spec file, and a `::notice` per verdict note.
///
/// GitHub shows at most 10 error annotations per step and drops the rest without a word, so no
/// more are written: when the cases would need more, the last one groups the rest per spec
/// file, and a closing `::notice` says how many are left to the step summary and the reports.
/// (`regspec run --report github` also appends the Markdown summary to `$GITHUB_STEP_SUMMARY`.)
public struct GitHubReporter: Reporter {
    /// Error annotations GitHub shows for one step.
    static let shownErrors = 10

    public init() {}

    public func render(_ document: ReportDocument) -> String {
        // The counts come first: an error when the run fails, else a notice.
        let counts = "title=regspec \(TextEscaping.githubProperty(document.engine.label))::\(TextEscaping.githubData(document.summaryLine))"
        var errors = document.succeeded ? [] : ["::error " + counts]
        var notices = document.succeeded ? ["::notice " + counts] : []
        errors += document.verdictProblems.map { "::error title=regspec verdict::\(TextEscaping.githubData($0))" }
        notices += document.verdictNotes.map { "::notice title=regspec verdict::\(TextEscaping.githubData($0))" }
        let located = locatedAnnotations(document)
        let room = max(0, Self.shownErrors - errors.count)
        if located.count <= room {
            errors += located.map(\.line)
        } else {
            let shown = max(0, room - 1)
            errors += located.prefix(shown).map(\.line)
            let rest = located.dropFirst(shown)
            var perFile: [(file: String, count: Int)] = []
            for annotation in rest {
                if let index = perFile.firstIndex(where: { $0.file == annotation.file }) { perFile[index].count += 1 } else { perFile.append((annotation.file, 1)) }
            }
            if room > 0 {
                let files = perFile.map { "\($0.file): \($0.count)" }.joined(separator: "\n")
                errors.append("::error title=\(TextEscaping.githubProperty("regspec: \(rest.count) more not annotated"))::\(TextEscaping.githubData(files))")
            }
            notices.append(
                "::notice title=regspec::\(TextEscaping.githubData("\(rest.count) more failing case(s) or spec problem(s) than GitHub shows annotations for; every one is in the step summary and the reports"))")
        }
        return (errors + notices).joined(separator: "\n") + "\n"
    }

    /// One annotation per spec-file problem and per case that did not pass as it should, in suite order.
    private func locatedAnnotations(_ document: ReportDocument) -> [(file: String, line: String)] {
        var annotations: [(file: String, line: String)] = []
        for problem in document.problems {
            annotations.append((problem.file,
                "::error file=\(TextEscaping.githubProperty(problem.file)),line=\(problem.line),col=\(problem.column),title=\(TextEscaping.githubProperty("regspec: broken spec file"))::\(TextEscaping.githubData(problem.message))"))
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
            annotations.append((record.file,
                "::error file=\(TextEscaping.githubProperty(record.file)),line=\(record.line),title=\(TextEscaping.githubProperty(title))::\(TextEscaping.githubData(message.joined(separator: "\n")))"))
        }
        return annotations
    }
}
