import Foundation
import Testing

/// SIGINT, SIGTERM and SIGHUP during `run` and `explore`: engines stopped, what ran reported,
/// 130, 143 and 129.
@Suite("Interrupting a run", .serialized, .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
struct InterruptionTests {
    /// Regression (SIGHUP): a closed terminal killed the run at once, no report, engines orphaned.
    @Test("a signal kills the hung engine, writes the report of what ran and exits 128 + signal", arguments: [SIGINT, SIGTERM, SIGHUP])
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
        #expect(outcome.stderr.contains("2 of 4 cases ran; the reports are incomplete"), "\(outcome.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.map { $0["id"] as? String } == ["fault/case-0", "fault/case-1"])
        #expect(cases.map { $0["status"] as? String } == ["passed", "passed"])
        #expect(report["incomplete"] as? Bool == true)
        let pids = recordedPIDs(in: scratch.path)
        #expect(!pids.isEmpty)
        let leftovers = await leftoverProcesses(pids, within: .seconds(30))
        #expect(leftovers.isEmpty, "engine processes outlived the run: \(leftovers)")
    }

    /// Regression: with the terminal gone, the first message to it trapped (`FileHandle.write`
    /// on a broken console), so a SIGHUP from a closed terminal still lost the reports.
    @Test("SIGHUP with the console gone still writes the report, kills the engine and exits 129")
    func closedTerminal() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 4)
        let engine = ["python3", CLI.hostileEngine, "hang", "fault/case-2", "--", CLI.binary, "serve"].joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "specs", "--engine-command", engine, "--timeout", "600", "--report", "json:report.json"]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let console = Pipe()
        process.standardOutput = console
        process.standardError = console
        process.standardInput = FileHandle.nullDevice
        let exit = Promise<Int32>()
        process.terminationHandler = { ended in
            exit.fulfil(ended.terminationReason == .uncaughtSignal ? 128 + ended.terminationStatus : ended.terminationStatus)
        }
        try process.run()
        try await awaitHanging(in: scratch.path)
        // The terminal closes: whatever regspec writes to it from now on fails.
        try console.fileHandleForReading.close()
        kill(process.processIdentifier, SIGHUP)
        let status = await exit.value

        #expect(status == 129)
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["incomplete"] as? Bool == true)
        #expect((report["cases"] as? [[String: Any]])?.count == 2)
        let leftovers = await leftoverProcesses(recordedPIDs(in: scratch.path), within: .seconds(30))
        #expect(leftovers.isEmpty, "engine processes outlived the run: \(leftovers)")
    }

    /// Waits until the stand-in engine has created `hanging` in `folder`.
    private func awaitHanging(in folder: String) async throws {
        var waited = 0
        while !FileManager.default.fileExists(atPath: folder + "/hanging") && waited < 6000 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        try #require(FileManager.default.fileExists(atPath: folder + "/hanging"), "the engine never started hanging")
    }

    /// Regression: a run interrupted before any case finished said "no case ran: none was selected".
    @Test("interrupted in its first case, the console says so, not that no case was selected")
    func interruptedBeforeAnyCase() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 2)
        let engine = ["python3", CLI.hostileEngine, "hang", "fault/case-0", "--", CLI.binary, "serve"].joined(separator: " ")
        let child = try CLI.start(
            ["run", "specs", "--engine-command", engine, "--timeout", "600", "--report", "json:report.json"], in: scratch.path)
        try await awaitHanging(in: scratch.path)
        child.send(SIGINT)
        let outcome = await child.outcome()

        #expect(outcome.status == 130)
        let console = outcome.stdout + outcome.stderr
        #expect(!console.contains("none was selected"), "\(console)")
        #expect(console.contains("no case ran: the run was interrupted before any case finished"), "\(console)")
        #expect(outcome.stderr.contains("interrupted by SIGINT: 0 of 2 cases ran"), "\(outcome.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/report.json"))
        let leftovers = await leftoverProcesses(recordedPIDs(in: scratch.path), within: .seconds(30))
        #expect(leftovers.isEmpty, "engine processes outlived the run: \(leftovers)")
    }

    /// Regression: Ctrl-C killed `explore` at once, with no closing line, and left the engine
    /// hung in a case running with parent 1.
    @Test("SIGINT stops explore: closing line, reproducers kept, engine killed, exit 130")
    func interruptedExplore() async throws {
        let scratch = try Scratch()
        let engine = ["python3", CLI.hostileEngine, "disagree-then-hang", "any", "--", CLI.binary, "serve"].joined(separator: " ")
        let child = try CLI.start(
            ["explore", "--engine-command", engine, "--seed", "7", "--invalid-rate", "0", "--assume-float64", "--cases", "50",
             "--max-disagreements", "0", "--max-shrink-attempts", "20", "--timeout", "600", "--out", "out"],
            in: scratch.path)
        try await awaitHanging(in: scratch.path)
        child.send(SIGINT)
        let outcome = await child.outcome()

        #expect(outcome.status == 130, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.hasSuffix("0 passed, 1 failed, 0 errored, 0 skipped\n"), "\(outcome.stdout)")
        #expect(outcome.stderr.contains("interrupted by SIGINT after 1 case;"), "\(outcome.stderr)")
        let reproducers = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/out")
        #expect(reproducers.count == 1 && reproducers.allSatisfy { $0.hasSuffix(".yaml") }, "\(reproducers)")
        let pids = recordedPIDs(in: scratch.path)
        #expect(!pids.isEmpty)
        let leftovers = await leftoverProcesses(pids, within: .seconds(30))
        #expect(leftovers.isEmpty, "engine processes outlived explore: \(leftovers)")
    }
}
