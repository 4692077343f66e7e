import Foundation
import Testing

/// `--report jsonl`: one JSON object per case, written as each case finishes.
@Suite("The JSON-lines report")
struct JSONLinesReportTests {
    static func objects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test("each line is the JSON report's record of one case (without its source), expected failures applied")
    func linesMatchTheJSONReport() async throws {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch)
        let result = try await CLI.run(
            ["run", "specs", "--expected-failures", "known.yaml", "--report", "jsonl:-", "--report", "json:report.json"], in: scratch.path)
        #expect(result.status == 1)
        let lines = try Self.objects(result.stdout)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/report.json"))) as? [String: Any])
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(lines.map { $0["id"] as? String } == cases.map { $0["id"] as? String })
        #expect(lines.map { $0["status"] as? String } == ["passed", "failed", "passed", "xfailed"])
        for (line, record) in zip(lines, cases) {
            var expected = record
            expected["source"] = nil
            #expect(NSDictionary(dictionary: line).isEqual(to: expected), "\(line) differs from \(expected)")
        }
        // The console stays off stdout, which the stream owns.
        #expect(!result.stdout.contains("passed, 1 failed"))
    }

    @Test("a case's line is written when the case ends, while the run is still going")
    func linesStreamAsCasesFinish() async throws {
        try #require(CLI.hasPython, "needs python3 for the stalling engine")
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch, failing: false)
        // Forwards to `regspec serve` and never answers the third case.
        try scratch.write("stall.py", """
            import json, subprocess, sys, time
            engine = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for line in sys.stdin:
                message = json.loads(line)
                if message.get("cmd") == "run" and message.get("case", {}).get("id") == "mixed/case-2":
                    time.sleep(600)
                engine.stdin.write(line); engine.stdin.flush()
                if message.get("cmd") == "stop":
                    break
                sys.stdout.write(engine.stdout.readline()); sys.stdout.flush()

            """)
        let command = "python3 stall.py \(CLI.binary) serve"
        let child = try CLI.start(
            ["run", "specs", "--engine-command", command, "--timeout", "600", "--report", "jsonl:cases.jsonl", "--report", "json:report.json"],
            in: scratch.path)
        let stream = scratch.path + "/cases.jsonl"
        var seen: [[String: Any]] = []
        for _ in 0..<600 where seen.count < 2 {
            try await Task.sleep(for: .milliseconds(200))
            seen = try Self.objects((try? String(contentsOfFile: stream, encoding: .utf8)) ?? "")
        }
        // Two cases are on file and the run is still waiting for the third: no JSON report yet.
        #expect(seen.map { $0["id"] as? String } == ["mixed/case-0", "mixed/case-1"])
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/report.json"))
        child.send(SIGTERM)
        _ = await child.outcome()
    }

    @Test("regspec report renders a saved JSON report as JSON lines, one per case")
    func reportRendersSavedRuns() async throws {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch)
        _ = try await CLI.run(["run", "specs", "--report", "json:report.json"], in: scratch.path)
        let result = try await CLI.run(["report", "report.json", "--report", "jsonl:-"], in: scratch.path)
        #expect(try Self.objects(result.stdout).map { $0["status"] as? String } == ["passed", "failed", "passed", "failed"])
    }

    @Test("a jsonl path that cannot be opened stops the run before any case, exit 2")
    func unwritablePathIsAUsageError() async throws {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch)
        try FileManager.default.createDirectory(atPath: scratch.path + "/taken", withIntermediateDirectories: true)
        let result = try await CLI.run(["run", "specs", "--report", "jsonl:taken"], in: scratch.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot write the report taken"))
        #expect(!result.stdout.contains("passed"))
    }
}
