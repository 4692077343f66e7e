#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One self-contained HTML file (no network): counts per engine, why an engine's run fails
/// beyond its cases (the verdict) and its notes, the conformance table by suite,
/// checklist item and rule, and cases x engines where a click on a cell shows the mismatch,
/// the case's YAML and the engine's stderr tail. `#detail-N` in the URL opens cell N.
public struct HTMLReporter: Reporter {
    public init() {}

    public func render(_ document: ReportDocument) -> String {
        render(ConformanceTable([document]))
    }

    public func render(_ table: ConformanceTable) -> String {
        let h = TextEscaping.html
        let documents = table.documents
        var body = ""
        let title = documents.count == 1 ? "RegSpec: \(documents[0].engine.label)" : "RegSpec conformance: \(documents.count) engines"
        body += "<h1>\(h(title))</h1>\n"
        if let first = documents.first {
            body += "<p class=\"meta\">Suite \(h(first.suite.version)) <code>\(h(first.suite.contentHash))</code>, regspec \(h(first.harness.version)), started \(h(first.startedAt))"
            body += table.sameSuite ? "</p>\n" : "</p>\n<p class=\"warn\">The reports ran different suites (their content hashes differ).</p>\n"
        }
        body += "<h2>Engines</h2>\n<table id=\"engines\"><thead><tr><th>engine</th><th>language</th><th>version</th>"
        let statuses: [CaseResult.Status] = [.passed, .failed, .errored, .skipped, .xfailed, .xpassed]
        body += statuses.map { "<th>\($0.rawValue)</th>" }.joined() + "<th>duration</th><th>result</th></tr></thead><tbody>\n"
        for (index, document) in documents.enumerated() {
            body += "<tr><td>\(h(table.engines[index]))</td><td>\(h(document.engine.language))</td><td>\(h(document.engine.version))</td>"
            body += statuses.map { "<td class=\"num\">\(table.count($0, engine: index))</td>" }.joined()
            body += "<td class=\"num\">\(PrintfFormat.string("%.2f", document.durationSeconds)) s</td>"
            let fails = document.verdictProblems.isEmpty ? "" : "; the run fails (below)"
            body += "<td class=\"\(document.succeeded ? "passed" : "failed")\">\(h(document.summaryLine))\(fails)</td></tr>\n"
        }
        body += "</tbody></table>\n"
        for document in documents where !document.problems.isEmpty {
            body += "<p class=\"warn\">\(h(document.engine.label)): nothing ran; the spec files have problems:</p><ul>"
            body += document.problems.map { "<li><code>\(h("\($0.file):\($0.line):\($0.column)"))</code> \(h($0.message))</li>" }.joined()
            body += "</ul>\n"
        }
        for (index, document) in documents.enumerated() {
            if !document.verdictProblems.isEmpty {
                body += "<div class=\"failed verdict\"><p><b>\(h(table.engines[index])): the run fails:</b></p><ul>"
                body += document.verdictProblems.map { "<li>\(h($0))</li>" }.joined() + "</ul></div>\n"
            }
            if !document.verdictNotes.isEmpty {
                body += "<div class=\"meta verdict-notes\"><p>\(h(table.engines[index])), notes:</p><ul>"
                body += document.verdictNotes.map { "<li>\(h($0))</li>" }.joined() + "</ul></div>\n"
            }
        }
        func groupTable(_ heading: String, _ column: String, _ groups: [ConformanceTable.Group], id: String) {
            guard !groups.isEmpty else { return }
            body += "<h2>\(h(heading))</h2>\n<table id=\"\(id)\"><thead><tr><th>\(h(column))</th><th>cases</th>"
            body += table.engines.map { "<th>\(h($0))</th>" }.joined() + "</tr></thead><tbody>\n"
            for group in groups {
                body += "<tr><td>\(h(group.name))</td><td class=\"num\">\(group.caseCount)</td>"
                body += group.passed.indices.map { index in
                    let full = group.passed[index] == group.ran[index] && group.ran[index] == group.caseCount
                    return "<td class=\"num \(full ? "passed" : "failed")\">\(group.passed[index])/\(group.ran[index])</td>"
                }.joined()
                body += "</tr>\n"
            }
            body += "</tbody></table>\n"
        }
        groupTable("By suite", "suite", table.bySuite, id: "by-suite")
        groupTable("By checklist item", "checklist item", table.byChecklistItem, id: "by-checklist")
        groupTable("By rule", "rule", table.byRule, id: "by-rule")
        body += "<h2>Cases</h2>\n<p class=\"meta\">Click a result for the mismatch, the case's YAML and the engine's stderr.</p>\n"
        body += "<table id=\"cases\"><thead><tr><th>case</th>" + table.engines.map { "<th>\(h($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        var detailNumber = 0
        for row in table.rows {
            body += "<tr><td class=\"case\"><code>\(h(row.id))</code></td>"
            for (engine, record) in row.records.enumerated() {
                guard let record else {
                    body += "<td class=\"missing\">—</td>"
                    continue
                }
                detailNumber += 1
                body += "<td class=\"\(record.status.rawValue)\"><details id=\"detail-\(detailNumber)\" data-case=\"\(h(row.id))\" data-engine=\"\(h(table.engines[engine]))\">"
                body += "<summary>\(h(ConformanceTable.mark(record.status)))</summary>\(detail(record))</details></td>"
            }
            body += "</tr>\n"
        }
        body += "</tbody></table>\n"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h(title))</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f24; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #d0d7de; padding: 3px 8px; vertical-align: top; text-align: left; }
            th { background: #f6f8fa; }
            td.num { text-align: right; }
            .passed { background: #dafbe1; } .failed, .errored, .xpassed { background: #ffebe9; }
            .skipped, .xfailed { background: #fff8c5; } .missing { color: #8c959f; }
            .meta { color: #57606a; } .warn { color: #9a6700; font-weight: bold; }
            summary { cursor: pointer; white-space: nowrap; }
            details[open] { min-width: 36em; }
            details .detail { background: #fff; border: 1px solid #d0d7de; padding: 6px; margin-top: 4px; }
            #panel { position: fixed; top: 0; right: 0; width: 46%; height: 100%; overflow: auto; background: #fff;
                     border-left: 2px solid #d0d7de; padding: 0 12px; box-shadow: -4px 0 12px rgba(0,0,0,.08); }
            #panel button { float: right; margin-top: 12px; }
            pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 6px; margin: 4px 0; max-height: 24em; overflow: auto; }
            </style>
            </head>
            <body>
            \(body)<aside id="panel" hidden></aside>
            <script>
            // A click on a result opens it in place and in the side panel, which stays in view.
            var panel = document.getElementById("panel");
            function show(details) {
              var title = document.createElement("h3");
              title.textContent = details.dataset.case + " on " + details.dataset.engine;
              var close = document.createElement("button");
              close.textContent = "close";
              close.addEventListener("click", function () { panel.hidden = true; });
              panel.replaceChildren(close, title, details.querySelector(".detail").cloneNode(true));
              panel.hidden = false;
            }
            document.querySelectorAll("#cases details").forEach(function (details) {
              details.addEventListener("toggle", function () { if (details.open) { show(details); } });
            });
            // Open the result named in the URL so a link can point at it: report.html#detail-3
            // scrolls to it; report.html?open=detail-3 shows it in the panel without scrolling.
            function openFromURL() {
              var name = location.hash ? location.hash.slice(1) : new URLSearchParams(location.search).get("open");
              var target = name ? document.getElementById(name) : null;
              if (target && target.tagName === "DETAILS") {
                target.open = true;
                show(target);
                if (location.hash) { target.scrollIntoView(); }
              }
            }
            window.addEventListener("hashchange", openFromURL);
            openFromURL();
            </script>
            </body>
            </html>

            """
    }

    private func detail(_ record: CaseRecord) -> String {
        let h = TextEscaping.html
        var html = "<div class=\"detail\"><div><b>\(h(record.status.rawValue))</b> <code>\(h(record.location))</code> \(h(record.summary))</div>"
        if let reason = record.expectedFailure { html += "<div>expected failure: \(h(reason))</div>" }
        if !record.mismatches.isEmpty {
            // Only the columns some mismatch fills: numbers for numeric ones, the rule for invariants.
            let number = { (value: Double?) in value.map { Tolerance.format($0) } ?? "" }
            let columns: [(title: String, value: (Mismatch) -> String)] = [
                ("path", { "<code>\(h($0.path))</code>" }),
                ("expected", { number($0.expected) }), ("actual", { number($0.actual) }), ("allowed", { number($0.allowed) }),
                ("rule", { h($0.rule ?? "") }), ("message", { h($0.message) }),
            ].filter { column in ["path", "message"].contains(column.title) || record.mismatches.contains { !column.value($0).isEmpty } }
            html += "<table class=\"mismatches\"><thead><tr>" + columns.map { "<th>\($0.title)</th>" }.joined() + "</tr></thead><tbody>"
            for mismatch in record.mismatches {
                html += "<tr>" + columns.map { "<td>\($0.value(mismatch))</td>" }.joined() + "</tr>"
            }
            html += "</tbody></table>"
        }
        if let message = record.message { html += "<div>engine error:</div><pre class=\"message\">\(h(message))</pre>" }
        if let reason = record.reason { html += "<div>skipped: \(h(reason))</div>" }
        if let tail = record.stderrTail, !tail.isEmpty { html += "<div>engine stderr (last lines):</div><pre class=\"stderr\">\(h(tail))</pre>" }
        if let source = record.source { html += "<div>the case:</div><pre class=\"yaml\">\(h(source))</pre>" }
        return html + "</div>"
    }
}
