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
    static func headless(_ arguments: [String]) throws -> CLI.Result {
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
    func detailPanel() throws {
        let scratch = try Scratch()
        try ReportCLITests.writeMixedSuite(scratch)
        let crashing = "python3 \(CLI.faultEngine) crash mixed/case-2 -- \(CLI.binary) serve"
        _ = try CLI.run(["run", "specs", "--report", "json:reference.json"], in: scratch.path)
        _ = try CLI.run(["run", "specs", "--engine-name", "crashy", "--engine-command", crashing, "--report", "json:crashy.json"], in: scratch.path)
        let report = try CLI.run(["report", "reference.json", "crashy.json", "--report", "html:table.html"], in: scratch.path)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: scratch.path + "/table.html", encoding: .utf8)
        // The detail ids in document order: case-0 x 2 engines, case-1 x 2, case-2 (reference, crashy) ...
        let failing = "detail-3", errored = "detail-6"
        #expect(html.contains("<details id=\"\(failing)\" data-case=\"mixed/case-1\" data-engine=\"regspec-reference\">"))
        #expect(html.contains("<details id=\"\(errored)\" data-case=\"mixed/case-2\" data-engine=\"crashy\">"))

        let closed = try Self.headless(["--dump-dom", "file://\(scratch.path)/table.html"])
        #expect(closed.stdout.contains("<aside id=\"panel\" hidden=\"\"></aside>"), "nothing open before a click")
        #expect(closed.stdout.contains("<td class=\"num failed\">2/4</td>"))

        let mismatch = try Self.headless(["--dump-dom", "file://\(scratch.path)/table.html?open=\(failing)"])
        let panel = try #require(mismatch.stdout.range(of: "<aside id=\"panel\">").map { String(mismatch.stdout[$0.lowerBound...]) })
        #expect(panel.contains("mixed/case-1 on regspec-reference"))
        #expect(panel.contains("<td><code>metrics.loss_total</code></td><td>-1.7</td><td>-1.5</td>"))
        #expect(panel.contains("<pre class=\"yaml\">  - id: mixed/case-1"))

        let crash = try Self.headless(["--dump-dom", "file://\(scratch.path)/table.html?open=\(errored)"])
        let crashPanel = try #require(crash.stdout.range(of: "<aside id=\"panel\">").map { String(crash.stdout[$0.lowerBound...]) })
        #expect(crashPanel.contains("mixed/case-2 on crashy"))
        #expect(crashPanel.contains("RuntimeError: injected crash"), "the engine's stderr tail")

        let screenshot = scratch.path + "/table.png"
        _ = try Self.headless(["--screenshot=\(screenshot)", "--window-size=1400,1000", "file://\(scratch.path)/table.html?open=\(failing)"])
        let png = try #require(FileManager.default.contents(atPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG was taken")
    }
}
