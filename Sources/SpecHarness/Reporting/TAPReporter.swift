#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// TAP version 13 (what TAP::Harness's `prove` and tap.py both read): one test point per case,
/// details in a YAMLish block (single-quoted one-line scalars and `|` literal blocks, the subset
/// TAP::Parser::YAMLish reads), skips and expected failures as directives. Each verdict problem
/// (nothing ran, a non-conforming engine) is one more failing test point after the cases, so
/// `prove` fails the run RegSpec fails; verdict notes are `# note:` comments. Engine text can
/// never start a line of its own: every detail line is indented and has its controls escaped.
public struct TAPReporter: Reporter {
    public init() {}

    public func render(_ document: ReportDocument) -> String {
        let verdictProblems = document.verdictProblems
        let plan = document.cases.count + (document.problems.isEmpty ? 0 : 1) + verdictProblems.count
        var lines = ["TAP version 13", "1..\(plan)"]
        func directiveText(_ text: String) -> String { TextEscaping.oneLine(text).replacingAll("#", with: "\\#") }
        if !document.problems.isEmpty {
            lines.append("not ok 1 - load the spec files")
            lines.append("  ---")
            lines.append("  message: \(TextEscaping.yamlQuoted("\(counted(document.problems.count, "problem")) in the spec files, nothing was run"))")
            lines += literalBlock("problems", document.problems.map { "\($0.file):\($0.line):\($0.column): \($0.message)" })
            lines.append("  ...")
        }
        let offset = document.problems.isEmpty ? 0 : 1
        for (index, record) in document.cases.enumerated() {
            let number = index + 1 + offset
            let description = directiveText(record.id)
            switch record.status {
            case .xfailed, .xpassed:
                // TAP's TODO directive is an expected failure; a TODO that passes is a bonus.
                let point = record.status == .xpassed ? "ok" : "not ok"
                lines.append("\(point) \(number) - \(description) # TODO \(directiveText(record.expectedFailure ?? ""))")
            case .passed:
                lines.append("ok \(number) - \(description)")
            case .skipped:
                lines.append("ok \(number) - \(description) # SKIP \(directiveText(record.reason ?? ""))")
            case .failed, .errored:
                lines.append("not ok \(number) - \(description)")
                lines.append("  ---")
                lines.append("  severity: \(record.status == .errored ? "errored" : "fail")")
                lines.append("  at: \(TextEscaping.yamlQuoted(record.location))")
                lines += literalBlock("details", record.detailLines)
                lines.append("  ...")
            }
        }
        for (index, problem) in verdictProblems.enumerated() {
            lines.append("not ok \(offset + document.cases.count + index + 1) - verdict: \(directiveText(problem))")
        }
        lines += document.verdictNotes.map { "# note: \(TextEscaping.oneLine($0))" }
        lines.append("# \(TextEscaping.oneLine(document.summaryLine))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `key: |` and one indented line per text line; blank lines and a lone `...` (which would
    /// end the YAMLish block early) are left out or escaped.
    private func literalBlock(_ key: String, _ texts: [String]) -> [String] {
        let lines = texts.map(TextEscaping.oneLine).filter { !$0.trimmingWhitespace().isEmpty }.map { line in
            ["...", "---"].contains(line.trimmingWhitespace()) ? "\\" + line : line
        }
        guard !lines.isEmpty else { return [] }
        return ["  \(key): |"] + lines.map { "    " + $0 }
    }
}
