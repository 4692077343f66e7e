import Foundation
import Testing

/// SIGINT and SIGTERM during a run: engines stopped, reports of what ran, 130 and 143.
@Suite("Interrupting a run", .serialized, .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
struct InterruptionTests {
    @Test("a signal kills the hung engine, writes the report of what ran and exits 128 + signal", arguments: [SIGINT, SIGTERM])
    func interrupted(by signal: Int32) async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 4)
        let engine = ["python3", CLI.hostileEngine, "hang", "fault/case-2", "--", CLI.binary, "serve"].joined(separator: " ")
        let child = try CLI.start(
            ["run", "specs", "--engine-command", engine, "--timeout", "600", "--format", "json", "--output", "report.json"],
            in: scratch.path)
        // The engine says when it has started hanging on case-2: case-0 and case-1 have run.
        var waited = 0
        while !FileManager.default.fileExists(atPath: scratch.path + "/hanging") && waited < 6000 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        try #require(FileManager.default.fileExists(atPath: scratch.path + "/hanging"), "the engine never reached case-2")
        child.send(signal)
        let outcome = await child.outcome()

        #expect(outcome.status == 128 + signal)
        #expect(outcome.stderr.contains("2 of 4 case(s) ran; the reports are incomplete"), "\(outcome.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.map { $0["id"] as? String } == ["fault/case-0", "fault/case-1"])
        #expect(cases.map { $0["status"] as? String } == ["passed", "passed"])
        let pids = try String(contentsOfFile: scratch.path + "/pids", encoding: .utf8).split(separator: "\n").compactMap { pid_t($0) }
        #expect(!pids.isEmpty)
        #expect(leftoverProcesses(pids).isEmpty, "engine processes outlived the run: \(leftoverProcesses(pids))")
    }
}
