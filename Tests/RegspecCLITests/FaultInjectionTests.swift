import Foundation
import Testing

/// Engines that break the protocol in one way each: every case is accounted for and the run finishes.
@Suite("Fault injection", .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
struct FaultInjectionTests {
    /// Runs a four-case suite against the stand-in engine and returns each case's status and report entry.
    func run(mode: String, on target: String? = "fault/case-1", extra: [String] = []) throws -> (status: Int32, cases: [[String: Any]], stderr: String) {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 4)
        let engine = (["python3", CLI.faultEngine, mode] + (target.map { [$0] } ?? []) + ["--", CLI.binary, "serve"]).joined(separator: " ")
        let result = try CLI.run(
            ["run", "specs", "--engine-command", engine, "--timeout", "2", "--format", "json"] + extra, in: scratch.path)
        guard let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let cases = json["cases"] as? [[String: Any]]
        else {
            return (result.status, [], result.stderr)
        }
        return (result.status, cases, result.stderr)
    }

    func statuses(_ cases: [[String: Any]]) -> [String] {
        cases.map { $0["status"] as? String ?? "?" }
    }

    /// The engine's message and its stderr tail, which the JSON report keeps apart.
    func message(_ entry: [String: Any]) -> String {
        [entry["message"], entry["stderr_tail"]].compactMap { $0 as? String }.joined(separator: "\n")
    }

    @Test("a crash errors that case with the engine's stderr; the restarted engine runs the rest")
    func crash() throws {
        let outcome = try run(mode: "crash")
        #expect(outcome.status == 1)
        #expect(statuses(outcome.cases) == ["passed", "errored", "passed", "passed"])
        #expect(message(outcome.cases[1]).contains("closed its stdout"))
        #expect(message(outcome.cases[1]).contains("RuntimeError: injected crash"))
    }

    @Test("a hang is cut off by the timeout and the engine killed")
    func hang() throws {
        let outcome = try run(mode: "hang", extra: ["--timeout", "1"])
        #expect(statuses(outcome.cases) == ["passed", "errored", "passed", "passed"])
        #expect(message(outcome.cases[1]).contains("did not answer within"))
    }

    @Test("a line that is not JSON errors the case")
    func garbage() throws {
        let outcome = try run(mode: "garbage")
        #expect(statuses(outcome.cases) == ["passed", "errored", "passed", "passed"])
        #expect(message(outcome.cases[1]).contains("not JSON"))
        #expect(message(outcome.cases[1]).contains("this is not json"))
    }

    @Test("an answer to the wrong sequence number errors the case")
    func wrongSequence() throws {
        let outcome = try run(mode: "wrong-seq")
        #expect(statuses(outcome.cases) == ["passed", "errored", "passed", "passed"])
        #expect(message(outcome.cases[1]).contains("answered seq"))
    }

    @Test("an engine that exits after the handshake is given up on after the restart budget")
    func exitAfterHandshake() throws {
        let outcome = try run(mode: "exit-after-handshake", on: nil, extra: ["--max-restarts", "1"])
        #expect(outcome.status == 1)
        #expect(statuses(outcome.cases) == ["errored", "errored", "errored", "errored"])
        #expect(message(outcome.cases[0]).contains("exiting right after the handshake"))
        #expect(message(outcome.cases[3]).contains("gave up on the engine after 1 restarts"))
    }

    @Test("noise on stderr does not disturb the protocol")
    func stderrNoise() throws {
        let outcome = try run(mode: "stderr-noise", on: nil)
        #expect(outcome.status == 0)
        #expect(statuses(outcome.cases) == ["passed", "passed", "passed", "passed"])
    }

    @Test("an unsupported protocol version stops the run with a clear message")
    func badVersion() throws {
        let outcome = try run(mode: "bad-version", on: nil)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("speaks protocol version 99"))
    }

    @Test("an engine that dies before the handshake stops the run and shows its stderr")
    func dieAtStart() throws {
        let outcome = try run(mode: "die-at-start", on: nil)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("the engine could not start"))
        #expect(outcome.stderr.contains("No module named 'my_sdk'"))
    }

    @Test("a huge reply that breaks the schema errors only its case")
    func hugeLine() throws {
        let outcome = try run(mode: "huge-line")
        #expect(statuses(outcome.cases) == ["passed", "errored", "passed", "passed"])
        #expect(message(outcome.cases[1]).contains("protocol error"))
    }

    @Test("several engine processes give the same outcomes")
    func severalProcesses() throws {
        let outcome = try run(mode: "crash", extra: ["--jobs", "3"])
        #expect(statuses(outcome.cases) == ["passed", "errored", "passed", "passed"])
    }
}
