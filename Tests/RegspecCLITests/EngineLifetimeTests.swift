import Foundation
import Testing

/// Every engine, in every command, is shut down on every path: here the error paths.
@Suite("Engine lifetime in the commands", .serialized, .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
struct EngineLifetimeTests {
    /// Regression: a failed reproducer write made `explore` exit without shutting its engine
    /// down; an engine that ignores the end of its stdin ran on with parent 1.
    @Test("explore failing mid-run (its reproducer cannot be written) still shuts the engine down")
    func exploreFailingMidRun() async throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/out", withIntermediateDirectories: true)
        // The engine disagrees on the first case and turns ./out into a file as it does.
        let engine = ["python3", CLI.hostileEngine, "disagree-linger", "any", "--", CLI.binary, "serve"].joined(separator: " ")
        let outcome = try await CLI.outcome(
            of: ["explore", "--engine-command", engine, "--seed", "7", "--invalid-rate", "0", "--assume-float64", "--cases", "5",
                 "--max-shrink-attempts", "5", "--out", "out"],
            in: scratch.path)

        #expect(outcome.status == 2, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stderr.contains("error: cannot write out/explore-seed-7-case-"), "\(outcome.stderr)")
        let pids = recordedPIDs(in: scratch.path)
        #expect(pids.count == 2, "the wrapper and the engine it started: \(pids)")
        let leftovers = await leftoverProcesses(pids, within: .seconds(30))
        #expect(leftovers.isEmpty, "engine processes outlived explore: \(leftovers)")
        // The failure came mid-run, after the engine had answered.
        #expect(outcome.stdout.contains("DISAGREE case 1"), "\(outcome.stdout)")
    }

    /// Regression: with SIGPIPE ignored by the executable (no longer by the library), `serve`
    /// trapped in `FileHandle.write` when its harness had gone away.
    @Test("serve whose reader has gone away ends quietly, no trap")
    func serveWithoutReader() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["serve"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let exit = Promise<(Process.TerminationReason, Int32)>()
        process.terminationHandler = { exit.fulfil(($0.terminationReason, $0.terminationStatus)) }
        try output.fileHandleForReading.close()
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data("{\"cmd\": \"start\", \"version\": 1}\n".utf8))
        try input.fileHandleForWriting.close()
        let (reason, status) = await exit.value
        #expect(reason == .exit && status == 0, "ended by \(reason) \(status)")
    }
}
