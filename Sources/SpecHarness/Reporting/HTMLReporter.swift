#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One self-contained HTML file (no network): counts per engine, why an engine's run fails
/// beyond its cases (the verdict) and its notes, the conformance table by suite,
/// checklist item and rule, and cases x engines where a click on a cell shows the mismatch,
/// the case's YAML and the engine's stderr tail. `#detail-N` in the URL opens cell N.
/// The cases filter in the page (failing only, engines disagreeing, suite, checklist item,
/// rule, text), and a link sets the filters: `?failing=1&suite=S&checklist=C&rule=R&q=TEXT`.
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
        func groupTable(_ heading: String, _ column: String, _ groups: [ConformanceTable.Group], id: String, filter: String) {
            guard !groups.isEmpty else { return }
            body += "<h2>\(h(heading))</h2>\n<table id=\"\(id)\"><thead><tr><th>\(h(column))</th><th>cases</th>"
            body += table.engines.map { "<th>\(h($0))</th>" }.joined() + "</tr></thead><tbody>\n"
            for group in groups {
                body += "<tr><td><a href=\"?\(filter)=\(Self.queryValue(group.name))#filters\" title=\"show these cases\">\(h(group.name))</a></td><td class=\"num\">\(group.caseCount)</td>"
                body += group.passed.indices.map { index in
                    let full = group.passed[index] == group.ran[index] && group.ran[index] == group.caseCount
                    return "<td class=\"num \(full ? "passed" : "failed")\">\(group.passed[index])/\(group.ran[index])</td>"
                }.joined()
                body += "</tr>\n"
            }
            body += "</tbody></table>\n"
        }
        groupTable("By suite", "suite", table.bySuite, id: "by-suite", filter: "suite")
        groupTable("By checklist item", "checklist item", table.byChecklistItem, id: "by-checklist", filter: "checklist")
        groupTable("By rule", "rule", table.byRule, id: "by-rule", filter: "rule")
        body += "<h2 id=\"cases-heading\">Cases</h2>\n<p class=\"meta\">Click a result for the mismatch, the case's YAML and the engine's stderr.</p>\n"
        body += filters(table)
        body += "<table id=\"cases\"><thead><tr><th>case</th>" + table.engines.map { "<th>\(h($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        var detailNumber = 0
        for row in table.rows {
            body += "<tr\(Self.filterAttributes(row))><td class=\"case\"><code>\(h(row.id))</code></td>"
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
        body += "</tbody></table>\n<p id=\"no-match\" class=\"meta\" hidden>No case matches the filters.</p>\n"
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
            #filters { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; background: #f6f8fa;
                       border: 1px solid #d0d7de; padding: 6px 10px; margin: 0.5em 0; position: sticky; top: 0; z-index: 1; }
            #filters select { max-width: 18em; } #filters input[type=search] { width: 16em; } #shown { font-weight: bold; }
            table.mismatches { width: 100%; font-size: 13px; margin: 4px 0; }
            table.mismatches td code { white-space: nowrap; }
            /* The message adds nothing to the columns' widths: it wraps at the table's width. */
            table.mismatches tr.message div { width: 0; min-width: 100%; overflow-wrap: anywhere; }
            table.mismatches tr.values td { border-bottom: none; }
            table.mismatches tr.message td { border-top: none; color: #57606a; padding-bottom: 6px; }
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

            // The filters: each row carries its suite, checklist items, rules and search text; the
            // filters' state lives in the URL's query, so a filtered view can be linked to.
            var filters = document.getElementById("filters");
            var rows = Array.prototype.slice.call(document.querySelectorAll("#cases > tbody > tr"));
            var rowData = rows.map(function (row) {
              return { row: row, checklist: JSON.parse(row.dataset.checklist || "[]"), rules: JSON.parse(row.dataset.rules || "[]") };
            });
            var controls = { failing: "f-failing", disagree: "f-disagree", suite: "f-suite", checklist: "f-checklist", rule: "f-rule", q: "f-text" };
            function control(name) { return document.getElementById(controls[name]); }
            function state() {
              var chosen = {};
              Object.keys(controls).forEach(function (name) {
                var input = control(name);
                if (!input) { return; }
                var value = input.type === "checkbox" ? (input.checked ? "1" : "") : input.value;
                if (value) { chosen[name] = value; }
              });
              return chosen;
            }
            function applyFilters(writeURL) {
              var chosen = state();
              var text = (chosen.q || "").trim().toLowerCase();
              var shown = 0;
              rowData.forEach(function (data) {
                var row = data.row;
                var visible = (!chosen.failing || row.dataset.failing === "1")
                  && (!chosen.disagree || row.dataset.disagree === "1")
                  && (!chosen.suite || row.dataset.suite === chosen.suite)
                  && (!chosen.checklist || data.checklist.indexOf(chosen.checklist) >= 0)
                  && (!chosen.rule || data.rules.indexOf(chosen.rule) >= 0)
                  && (!text || row.dataset.text.indexOf(text) >= 0);
                row.hidden = !visible;
                if (visible) { shown += 1; }
              });
              document.getElementById("shown").textContent = shown + " of " + rows.length + (rows.length === 1 ? " case" : " cases");
              document.getElementById("no-match").hidden = shown > 0;
              if (writeURL) {
                var query = new URLSearchParams(chosen).toString();
                try { history.replaceState(null, "", (query ? "?" + query : location.pathname) + location.hash); } catch (error) { }
              }
            }
            function readURL() {
              var query = new URLSearchParams(location.search);
              Object.keys(controls).forEach(function (name) {
                var input = control(name);
                if (!input) { return; }
                var value = query.get(name) || "";
                if (input.type === "checkbox") { input.checked = value === "1"; } else { input.value = value; }
              });
            }
            filters.addEventListener("input", function () { applyFilters(true); });
            filters.addEventListener("change", function () { applyFilters(true); });
            filters.addEventListener("submit", function (event) { event.preventDefault(); });
            document.getElementById("f-clear").addEventListener("click", function () {
              filters.reset();
              applyFilters(true);
            });
            readURL();
            applyFilters(false);
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
            // Per mismatch: a row of the data columns some mismatch fills (numbers for numeric
            // ones, the rule for invariants), then its message across the table's width, so a
            // long message neither repeats in a narrow column nor stretches the row.
            let number = { (value: Double?) in value.map { Tolerance.format($0) } ?? "" }
            let allowed = { (mismatch: Mismatch) -> String in
                guard let allowed = mismatch.allowed else { return "" }
                guard let expected = mismatch.expected, let actual = mismatch.actual else { return Tolerance.format(allowed) }
                return "± " + Tolerance.rounded(abs(actual - expected), beyond: allowed).allowed
            }
            let columns: [(title: String, value: (Mismatch) -> String)] = [
                ("path", { "<code>\(h($0.path))</code>" }),
                ("expected", { number($0.expected) }), ("actual", { number($0.actual) }), ("allowed", allowed),
                ("rule", { h($0.rule ?? "") }),
            ].filter { column in column.title == "path" || record.mismatches.contains { !column.value($0).isEmpty } }
            html += "<table class=\"mismatches\"><thead><tr>" + columns.map { "<th>\($0.title)</th>" }.joined() + "</tr></thead>"
            for mismatch in record.mismatches {
                html += "<tbody><tr class=\"values\">" + columns.map { "<td>\($0.value(mismatch))</td>" }.joined() + "</tr>"
                html += "<tr class=\"message\"><td colspan=\"\(columns.count)\"><div>\(h(mismatch.message))</div></td></tr></tbody>"
            }
            html += "</table>"
        }
        if let message = record.message { html += "<div>engine error:</div><pre class=\"message\">\(h(message))</pre>" }
        if let reason = record.reason { html += "<div>skipped: \(h(reason))</div>" }
        if let tail = record.stderrTail, !tail.isEmpty { html += "<div>engine stderr (last lines):</div><pre class=\"stderr\">\(h(tail))</pre>" }
        if let source = record.source { html += "<div>the case:</div><pre class=\"yaml\">\(h(source))</pre>" }
        return html + "</div>"
    }

    /// The filter bar over the cases table: its choices are the groups of the tables above.
    private func filters(_ table: ConformanceTable) -> String {
        let h = TextEscaping.html
        func choice(_ label: String, _ id: String, _ name: String, _ groups: [ConformanceTable.Group]) -> String {
            guard !groups.isEmpty else { return "" }
            let options = groups.map { "<option value=\"\(h($0.name))\">\(h($0.name)) (\($0.caseCount))</option>" }.joined()
            return "<label>\(label) <select id=\"\(id)\" name=\"\(name)\"><option value=\"\">all</option>\(options)</select></label>\n"
        }
        var html = "<form id=\"filters\" role=\"search\" aria-label=\"filter the cases\">\n"
        html += "<label><input type=\"checkbox\" id=\"f-failing\" name=\"failing\" value=\"1\"> failing only</label>\n"
        if table.engines.count > 1 {
            html += "<label><input type=\"checkbox\" id=\"f-disagree\" name=\"disagree\" value=\"1\"> engines disagree</label>\n"
        }
        html += choice("suite", "f-suite", "suite", table.bySuite)
        html += choice("checklist item", "f-checklist", "checklist", table.byChecklistItem)
        html += choice("rule", "f-rule", "rule", table.byRule)
        html += "<label>text <input type=\"search\" id=\"f-text\" name=\"q\" placeholder=\"id, file, summary, message\"></label>\n"
        html += "<button type=\"button\" id=\"f-clear\">clear</button>\n"
        html += "<output id=\"shown\" aria-live=\"polite\">\(counted(table.rows.count, "case"))</output>\n</form>\n"
        return html
    }

    /// What the filters read of a row: suite, checklist items and rules (JSON arrays), whether
    /// an engine fails it or the engines' results differ, and the lowercased search text.
    private static func filterAttributes(_ row: ConformanceTable.Row) -> String {
        let h = TextEscaping.html
        let records = row.records.compactMap { $0 }
        let failing = records.contains { [.failed, .errored, .xpassed].contains($0.status) }
        let disagree = Set(records.map(\.status)).count > 1
        var text = [row.id, row.any?.summary ?? "", row.any?.file ?? ""]
        for record in records {
            text += record.mismatches.flatMap { [$0.path, $0.message, $0.rule ?? ""] }
            text += [record.message ?? "", record.reason ?? "", record.expectedFailure ?? ""]
        }
        let search = text.filter { !$0.isEmpty }.joined(separator: " ").lowercased()
        let list = { (items: [String]) in JSONValue.array(items.map { .string($0) }).serialized() }
        return " data-suite=\"\(h(row.suite))\" data-checklist=\"\(h(list(row.checklist)))\" data-rules=\"\(h(list(row.rules)))\""
            + " data-failing=\"\(failing ? "1" : "0")\" data-disagree=\"\(disagree ? "1" : "0")\" data-text=\"\(h(String(search.prefix(4000))))\""
    }

    /// A group name as a URL query value: everything but unreserved characters percent-encoded.
    private static func queryValue(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (byte < 16 ? "0" : "") + hex
            }
        }
        return encoded
    }
}
