/// A Markdown report for pull requests and `$GITHUB_STEP_SUMMARY`: counts per engine, why an
/// engine's run fails beyond its cases (the verdict) and its notes, then the conformance table
/// by suite, by checklist item and rule, and per case.
public struct MarkdownReporter: Reporter {
    /// Only cases that did not pass for some engine in the per-case table (the step summary).
    public var onlyProblems: Bool

    public init(onlyProblems: Bool = false) {
        self.onlyProblems = onlyProblems
    }

    public func render(_ document: ReportDocument) -> String {
        render(ConformanceTable([document]))
    }

    public func render(_ table: ConformanceTable) -> String {
        let cell = TextEscaping.markdown
        let documents = table.documents
        var lines: [String] = []
        let title = documents.count == 1 ? "RegSpec: \(cell(documents[0].engine.label))" : "RegSpec conformance: \(documents.count) engines"
        lines.append("## \(title)")
        lines.append("")
        if let first = documents.first {
            lines.append("Suite \(cell(first.suite.version)) (content hash \(cell(first.suite.contentHash))), regspec \(cell(first.harness.version)).")
            if !table.sameSuite { lines.append("**Warning:** the reports ran different suites (their content hashes differ).") }
            lines.append("")
        }
        lines.append("| engine | language | version | passed | failed | errored | skipped | xfailed | xpassed | result |")
        lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
        for (index, document) in documents.enumerated() {
            let counts = [CaseResult.Status.passed, .failed, .errored, .skipped, .xfailed, .xpassed].map { "\(table.count($0, engine: index))" }
            var result = document.succeeded ? "✅" : "❌ " + cell(document.summaryLine)
            if !document.verdictProblems.isEmpty { result += "; the run fails (below)" }
            lines.append("| \(cell(table.engines[index])) | \(cell(document.engine.language)) | \(cell(document.engine.version)) | \(counts.joined(separator: " | ")) | \(result) |")
        }
        for document in documents where !document.problems.isEmpty {
            lines.append("")
            lines.append("**\(cell(document.engine.label)): nothing ran; the spec files have problems:**")
            lines += document.problems.map { "- \(cell("\($0.file):\($0.line):\($0.column)")): \(cell($0.message))" }
        }
        for (index, document) in documents.enumerated() {
            if !document.verdictProblems.isEmpty {
                lines += ["", "**❌ \(cell(table.engines[index])): the run fails:**"]
                lines += document.verdictProblems.map { "- \(cell($0))" }
            }
            if !document.verdictNotes.isEmpty {
                lines += ["", "\(cell(table.engines[index])), notes:"]
                lines += document.verdictNotes.map { "- \(cell($0))" }
            }
        }
        func groupTable(_ heading: String, _ column: String, _ groups: [ConformanceTable.Group]) {
            guard !groups.isEmpty else { return }
            lines += ["", "### \(heading)", ""]
            lines.append("| \(column) | cases | " + table.engines.map(cell).joined(separator: " | ") + " |")
            lines.append("|---|---:|" + table.engines.map { _ in "---:|" }.joined())
            for group in groups {
                let counts = group.passed.indices.map { "\(group.passed[$0])/\(group.ran[$0])" }
                lines.append("| \(cell(group.name)) | \(group.caseCount) | " + counts.joined(separator: " | ") + " |")
            }
        }
        groupTable("By suite", "suite", table.bySuite)
        if !onlyProblems {
            groupTable("By checklist item", "checklist item", table.byChecklistItem)
            groupTable("By rule", "rule", table.byRule)
        }
        let rows = onlyProblems ? table.rows.filter { $0.records.contains { $0.map { $0.status != .passed } ?? true } } : table.rows
        if !rows.isEmpty {
            lines += ["", onlyProblems ? "### Cases that did not pass" : "### Cases", ""]
            lines.append("| case | " + table.engines.map(cell).joined(separator: " | ") + " | detail |")
            lines.append("|---|" + table.engines.map { _ in "---|" }.joined() + "---|")
            for row in rows {
                let marks = row.records.map { ConformanceTable.mark($0?.status) }
                let detail = row.records.compactMap { $0?.detailLines.first }.first ?? ""
                let shown = detail.count > 160 ? String(detail.prefix(160)) + "…" : detail
                lines.append("| \(cell(row.id)) | " + marks.joined(separator: " | ") + " | \(cell(shown)) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
