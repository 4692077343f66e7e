/// TAP version 14: one test point per case, details in a YAML block, skips as directives.
public struct TAPReporter: Reporter {
    public init() {}

    public func render(_ report: RunReport) -> String {
        var lines = ["TAP version 14", "1..\(report.results.count)"]
        for (index, result) in report.results.enumerated() {
            let number = index + 1
            let description = result.caseID.replacingOccurrences(of: "#", with: "\\#")
            if let reason = result.expectedFailure, result.status != .skipped {
                // TAP's TODO directive is an expected failure; a TODO that passes is a bonus.
                let point = result.status == .xpassed ? "ok" : "not ok"
                lines.append("\(point) \(number) - \(description) # TODO \(reason)")
                continue
            }
            switch result.outcome {
            case .passed:
                lines.append("ok \(number) - \(description)")
            case .skipped(let reason):
                lines.append("ok \(number) - \(description) # SKIP \(reason)")
            case .failed, .errored:
                lines.append("not ok \(number) - \(description)")
                lines.append("  ---")
                lines.append("  severity: \(result.status == .errored ? "errored" : "fail")")
                lines.append("  at: \(quoted(result.location.description))")
                lines.append("  details:")
                lines += result.detailLines.map { "    - \(quoted($0))" }
                lines.append("  ...")
            }
        }
        lines.append("# \(report.summaryLine)")
        return lines.joined(separator: "\n") + "\n"
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
