import Foundation
import Testing

/// The HTML report in a real headless Chromium: what a person sees, not only what the file holds.
@Suite("HTML report in a browser")
struct HTMLBrowserTests {
    /// Debian's `chromium` (apt-get install chromium), or another Chromium on PATH.
    static let browser: String? = {
        let names = ["chromium", "chromium-browser", "google-chrome"]
        let directories = ["/usr/bin", "/usr/local/bin"] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in directories {
            for name in names where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        print("SKIPPED: HTML report in a browser: no Chromium installed (apt-get install chromium)")
        return nil
    }()

    /// Runs the browser headless, bounded by `timeout` so a stuck browser cannot hang the tests.
    static func headless(_ arguments: [String]) async throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["120", browser ?? "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--virtual-time-budget=3000"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
    }

    @Test("a click target opens the case's mismatch, YAML and the engine's stderr in the panel", .enabled(if: browser != nil && CLI.hasPython))
    func detailPanel() async throws {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch)
        let crashing = "python3 \(CLI.faultEngine) crash mixed/case-2 -- \(CLI.binary) serve"
        _ = try await CLI.run(["run", "specs", "--report", "json:reference.json"], in: scratch.path)
        _ = try await CLI.run(["run", "specs", "--engine-name", "crashy", "--engine-command", crashing, "--report", "json:crashy.json"], in: scratch.path)
        let report = try await CLI.run(["report", "reference.json", "crashy.json", "--report", "html:table.html"], in: scratch.path)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: scratch.path + "/table.html", encoding: .utf8)
        // The detail ids in document order: case-0 x 2 engines, case-1 x 2, case-2 (reference, crashy) ...
        let failing = "detail-3", errored = "detail-6"
        #expect(html.contains("<details id=\"\(failing)\" data-case=\"mixed/case-1\" data-engine=\"regspec-reference\">"))
        #expect(html.contains("<details id=\"\(errored)\" data-case=\"mixed/case-2\" data-engine=\"crashy\">"))

        let closed = try await Self.headless(["--dump-dom", "file://\(scratch.path)/table.html"])
        #expect(closed.stdout.contains("<aside id=\"panel\" hidden=\"\"></aside>"), "nothing open before a click")
        #expect(closed.stdout.contains("<td class=\"num failed\">2/4</td>"))

        let mismatch = try await Self.headless(["--dump-dom", "file://\(scratch.path)/table.html?open=\(failing)"])
        let panel = try #require(mismatch.stdout.range(of: "<aside id=\"panel\">").map { String(mismatch.stdout[$0.lowerBound...]) })
        #expect(panel.contains("mixed/case-1 on regspec-reference"))
        #expect(panel.contains("<td><code>metrics.loss_total</code></td><td>-1.7</td><td>-1.5</td>"))
        #expect(panel.contains("<pre class=\"yaml\">  - id: mixed/case-1"))

        let crash = try await Self.headless(["--dump-dom", "file://\(scratch.path)/table.html?open=\(errored)"])
        let crashPanel = try #require(crash.stdout.range(of: "<aside id=\"panel\">").map { String(crash.stdout[$0.lowerBound...]) })
        #expect(crashPanel.contains("mixed/case-2 on crashy"))
        #expect(crashPanel.contains("RuntimeError: injected crash"), "the engine's stderr tail")

        let linked = try await Self.headless(["--dump-dom", "file://\(scratch.path)/table.html?failing=1"])
        #expect(linked.stdout.contains("<output id=\"shown\" aria-live=\"polite\">3 of 4 cases</output>"), "a link sets the filters")

        let screenshot = scratch.path + "/table.png"
        _ = try await Self.headless(["--screenshot=\(screenshot)", "--window-size=1400,1000", "file://\(scratch.path)/table.html?open=\(failing)"])
        let png = try #require(FileManager.default.contents(atPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG was taken")
    }

    /// A page beside the report that loads it in a 1400 x 900 frame, works its filters as a
    /// person would (setting a control, then the event a browser sends), and writes what is
    /// shown into its own DOM for --dump-dom: the visible rows and the mismatch rows' heights.
    static let driver = """
        <!DOCTYPE html>
        <html><body style="margin:0">
        <iframe id="report" src="table.html?open=OPEN" width="1400" height="900" style="border:0"></iframe>
        <pre id="out">not loaded</pre>
        <script>
        var frame = document.getElementById("report");
        frame.addEventListener("load", function () {
          var page = frame.contentDocument;
          var out = [];
          function shown(step) {
            var rows = page.querySelectorAll("#cases > tbody > tr:not([hidden])");
            out.push(step + ": " + rows.length + " rows [" + Array.prototype.map.call(rows, function (row) { return row.querySelector("code").textContent; }).join(" ")
              + "] says '" + page.getElementById("shown").textContent + "'");
          }
          function set(id, value, event) {
            var input = page.getElementById(id);
            if (input.type === "checkbox") { input.checked = value; } else { input.value = value; }
            input.dispatchEvent(new Event(event, { bubbles: true }));
          }
          shown("all");
          set("f-failing", true, "change"); shown("failing");
          set("f-failing", false, "change"); set("f-disagree", true, "change"); shown("disagree");
          set("f-disagree", false, "change"); set("f-suite", "other", "change"); shown("suite other");
          set("f-suite", "", "change"); set("f-rule", "composition.contribution", "change"); shown("rule");
          set("f-rule", "", "change"); set("f-checklist", "mixed-sync-async", "change"); shown("checklist");
          set("f-checklist", "", "change"); set("f-text", "CASE-2", "input"); shown("text");
          set("f-text", "no such text", "input"); shown("nothing");
          out.push("no-match hidden: " + page.getElementById("no-match").hidden);
          out.push("url: " + frame.contentWindow.location.search);
          page.getElementById("f-clear").click(); shown("cleared");
          var panel = page.getElementById("panel");
          out.push("panel width: " + Math.round(panel.getBoundingClientRect().width));
          Array.prototype.forEach.call(panel.querySelectorAll("table.mismatches > tbody"), function (mismatch) {
            out.push("mismatch height: " + Math.round(mismatch.getBoundingClientRect().height));
          });
          document.getElementById("out").textContent = out.join("\\n");
        });
        </script>
        </body></html>
        """

    @Test("the filters show failing cases, disagreements, a suite, a checklist item, a rule or a text; the panel's mismatches stay short at 1400 px",
          .enabled(if: browser != nil && CLI.hasPython))
    func filters() async throws {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch, failing: false)
        // A second suite whose case breaks a whole gradient: the longest message a mismatch has.
        try scratch.write("specs/other.yaml", """
            suite: other
            cases:
              - id: other/gradient
                summary: a wrong gradient on purpose
                covers: {rules: [gradient.constant], checklist: [mixed-sync-async]}
                data: [{tokens: [1, 2, 3, 4], targets: [2, 3, 4, 5], logprobs: [-1.0, -2.0, -0.5, -0.25]}]
                call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
                expect: {metrics: {loss_total: -1.8}, gradient: [[0.4999, 0.7, 0.1, 0.2]]}

            """)
        _ = try await CLI.run(["run", "specs", "--engine-name", "good", "--report", "json:good.json"], in: scratch.path)
        try await ReportCLITests.writeMixedSuite(scratch)
        _ = try await CLI.run(
            ["run", "specs", "--engine-name", "served", "--engine-command", "\(CLI.binary) serve", "--report", "json:served.json"], in: scratch.path)
        let report = try await CLI.run(["report", "good.json", "served.json", "--report", "html:table.html"], in: scratch.path)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: scratch.path + "/table.html", encoding: .utf8)
        // other/gradient on good: the 10th result (4 mixed cases x 2 engines first, then good, served).
        let open = "detail-9"
        #expect(html.contains("<details id=\"\(open)\" data-case=\"other/gradient\" data-engine=\"good\">"))
        try scratch.write("driver.html", Self.driver.replacingOccurrences(of: "OPEN", with: open))

        let result = try await Self.headless(["--allow-file-access-from-files", "--window-size=1400,900", "--dump-dom", "file://\(scratch.path)/driver.html"])
        let out = try #require(result.stdout.range(of: "<pre id=\"out\">").map { String(result.stdout[$0.upperBound...].prefix { $0 != "<" }) })
        let lines = out.split(separator: "\n").map(String.init)
        let all = "mixed/case-0 mixed/case-1 mixed/case-2 mixed/case-3 other/gradient"
        #expect(lines.contains("all: 5 rows [\(all)] says '5 of 5 cases'"), "\(out)")
        #expect(lines.contains("failing: 3 rows [mixed/case-1 mixed/case-3 other/gradient] says '3 of 5 cases'"), "\(out)")
        #expect(lines.contains("disagree: 1 rows [mixed/case-1] says '1 of 5 cases'"), "\(out)")
        #expect(lines.contains("suite other: 1 rows [other/gradient] says '1 of 5 cases'"), "\(out)")
        #expect(lines.contains("rule: 4 rows [mixed/case-0 mixed/case-1 mixed/case-2 mixed/case-3] says '4 of 5 cases'"), "\(out)")
        #expect(lines.contains("checklist: 1 rows [other/gradient] says '1 of 5 cases'"), "\(out)")
        #expect(lines.contains("text: 1 rows [mixed/case-2] says '1 of 5 cases'"), "\(out)")
        #expect(lines.contains("nothing: 0 rows [] says '0 of 5 cases'"), "\(out)")
        #expect(lines.contains("no-match hidden: false"), "\(out)")
        #expect(lines.contains("url: ?q=no+such+text"), "the filtered view can be linked: \(out)")
        #expect(lines.contains("cleared: 5 rows [\(all)] says '5 of 5 cases'"), "\(out)")
        // The panel is 46% of 1400 px. Each mismatch is a row of numbers and its message across
        // the panel: 52 and 107 px here; with the message in a column of its own, 105 and 281.
        let heights = lines.filter { $0.hasPrefix("mismatch height: ") }.compactMap { Int($0.dropFirst("mismatch height: ".count)) }
        #expect(heights.count == 2, "loss_total and gradient: \(out)")
        #expect(heights.count == 2 && heights[0] > 0 && heights[0] <= 80 && heights[1] <= 150, "\(heights)")
    }
}
