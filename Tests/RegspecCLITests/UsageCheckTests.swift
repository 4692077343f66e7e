import Foundation
import Testing

/// Small mistakes the tool names instead of passing over: two reports to one file, special
/// files among the specs, an output folder that cannot take the findings, a report with a
/// number out of range.
@Suite("Usage checks")
struct UsageCheckTests {
    /// Regression: the second report silently replaced the first.
    @Test("two --report options naming one file are a usage error", arguments: [["json:out.json", "junit:out.json"], ["json:out.json", "tap:./x/../out.json"]])
    func sameReportPath(_ reports: [String]) async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        let result = try await CLI.run(["run", "specs"] + reports.flatMap { ["--report", $0] }, in: scratch.path)
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("both write"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out.json"), "nothing ran")
    }

    @Test("negative control: reports to different files are fine, --output included")
    func differentReportPaths() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        let result = try await CLI.run(
            ["run", "specs", "--report", "json:a.json", "--report", "junit:b.xml", "--format", "tap", "--output", "c.tap"], in: scratch.path)
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["a.json", "b.xml", "c.tap"] { #expect(FileManager.default.fileExists(atPath: scratch.path + "/" + name)) }
    }

    /// Regression: a FIFO, a device or a link to nothing named `*.yaml` in a folder was skipped unsaid.
    @Test("validate and run DIR say which *.yaml they skip: a FIFO, a device, a link to nothing")
    func specialFiles() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        #expect(mkfifo(scratch.path + "/specs/pipe.yaml", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/specs/device.yml", withDestinationPath: "/dev/null")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/specs/gone.yaml", withDestinationPath: "nowhere.yaml")
        for arguments in [["validate", "specs"], ["run", "specs"]] {
            let result = try await CLI.run(arguments, in: scratch.path)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("specs/pipe.yaml:1:1: warning: skipped: a FIFO, device or socket"), "\(result.stderr)")
            #expect(result.stderr.contains("specs/device.yml:1:1: warning: skipped: a FIFO, device or socket"), "\(result.stderr)")
            #expect(result.stderr.contains("specs/gone.yaml:1:1: warning: skipped: a symbolic link to nothing"), "\(result.stderr)")
        }
        let strict = try await CLI.run(["validate", "specs", "--strict"], in: scratch.path)
        #expect(strict.status == 2, "a skipped spec file is a warning, --strict makes it an error")
    }

    @Test("negative control: a clean folder, and other special files, warn of nothing")
    func noSpecialFiles() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        #expect(mkfifo(scratch.path + "/specs/pipe.txt", 0o644) == 0)
        let result = try await CLI.run(["validate", "specs"], in: scratch.path)
        #expect(result.status == 0)
        #expect(!result.stderr.contains("skipped"), "\(result.stderr)")
    }

    /// Regression: `--out` was first tried when a disagreement was found, after the work.
    @Test("explore checks --out before starting the engine: a link to nothing, a file")
    func exploreOut() async throws {
        let scratch = try Scratch()
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/dangling", withDestinationPath: "nowhere")
        try scratch.write("file", "x")
        let engine = "\(CLI.binary) serve"
        for (out, reason) in [("dangling", "it is a symbolic link to nothing ('nowhere')"), ("dangling/sub", "'dangling' in it is a symbolic link to nothing"),
                              ("file", "it exists and is not a folder"), ("file/sub", "'file' in it is not a folder")] {
            let result = try await CLI.run(["explore", "--engine-command", engine, "--cases", "1", "--out", out], in: scratch.path)
            #expect(result.status == 2, "\(out): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("cannot write into '\(out)': \(reason)"), "\(out): \(result.stderr)")
            #expect(!result.stdout.contains("explore: seed"), "the engine was started")
        }
        // The negative control: a folder to be created, or one that exists, is fine.
        for out in ["new/findings", "."] {
            let result = try await CLI.run(["explore", "--engine-command", engine, "--cases", "1", "--seed", "1", "--out", out], in: scratch.path)
            #expect(result.status == 0, "\(out): \(result.stderr)")
        }
    }

    /// Regression: 1e999 in a saved report was called "not valid JSON".
    @Test("a report with a number out of range is valid JSON, and said so; broken JSON is not")
    func outOfRangeNumber() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        #expect(try await CLI.run(["run", "specs", "--report", "json:r.json"], in: scratch.path).status == 0)
        let text = try String(contentsOfFile: scratch.path + "/r.json", encoding: .utf8)
        let huge = try #require(text.range(of: "\"duration_seconds\" : ").map { text.replacingCharacters(in: $0, with: "\"duration_seconds\" : 1e999, \"x\" : ") })
        try scratch.write("huge.json", huge)
        try scratch.write("broken.json", String(text.dropLast(5)))
        let result = try await CLI.run(["report", "huge.json"], in: scratch.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("valid JSON, but it holds a number out of range"), "\(result.stderr)")
        #expect(!result.stderr.contains("not valid JSON"))
        let broken = try await CLI.run(["report", "broken.json"], in: scratch.path)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("not valid JSON (invalid JSON at byte"), "\(broken.stderr)")
    }
}
