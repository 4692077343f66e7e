import Foundation
import Testing

/// Engines that misbehave in every way the harness has met, each run over a small suite: every
/// case is accounted for, memory stays bounded, and no process the engine started outlives
/// the run.
@Suite("Hostile engines", .serialized, .enabled(if: CLI.hasPython, "needs python3 for the hostile engines"))
struct HostileEngineTests {
    /// A bound on regspec's peak resident memory (with the small engines it reaped), far below
    /// what the 100 MB line or the 256 MB of stderr cost before they were bounded.
    static let memoryBoundKiB = 200 << 10

    struct Run {
        var outcome: ChildProcess.Outcome
        var cases: [(id: String, status: String, message: String)]
        var leftovers: [String]
        /// How many processes the engines started, helpers included.
        var processCount: Int

        func status(of id: String) -> String { cases.first { $0.id == id }?.status ?? "missing" }
        func message(of id: String) -> String { cases.first { $0.id == id }?.message ?? "" }
    }

    /// Runs `fault/case-0...3` (plus `extraCases`) against the hostile engine in `mode`.
    func run(_ mode: String, target: String = "fault/case-1", extraCases: String = "", extra: [String] = []) async throws -> Run {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 4)
        if !extraCases.isEmpty { try scratch.write("specs/zz.yaml", "suite: zz\ncases:\n" + extraCases) }
        let engine = ["python3", CLI.hostileEngine, mode, target, "--", CLI.binary, "serve"].joined(separator: " ")
        let outcome = try await Self.outcome(
            of: ["run", "specs", "--engine-command", engine, "--timeout", "2", "--format", "json"] + extra, in: scratch.path)
        var cases: [(String, String, String)] = []
        if let json = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
            let entries = json["cases"] as? [[String: Any]]
        {
            cases = entries.map { entry in
                let mismatches = (entry["mismatches"] as? [[String: Any]] ?? []).map { $0["message"] as? String ?? "" }
                let message = ([entry["message"], entry["stderr_tail"]].compactMap { $0 as? String } + mismatches).joined(separator: "\n")
                return (entry["id"] as? String ?? "?", entry["status"] as? String ?? "?", message)
            }
        }
        let pids = ((try? String(contentsOfFile: scratch.path + "/pids", encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { pid_t($0) }
        let leftovers = leftoverProcesses(pids)
        Self.killLeftovers(pids)
        return Run(outcome: outcome, cases: cases, leftovers: leftovers, processCount: pids.count)
    }

    /// How long a run may take before the test kills it: far beyond any `--timeout` given, so
    /// reaching it means the run was stuck outside the harness's own bounds.
    static let outerLimit = Duration.seconds(900)

    /// Runs `regspec`, stopping it at `outerLimit`: SIGTERM (its own clean-up), SIGKILL a
    /// minute later; a status of 143 or 137 then.
    /// The outcome's `maximumResidentKiB` is the run's own peak, measured by `peak_memory.py`.
    static func outcome(of arguments: [String], in directory: String) async throws -> ChildProcess.Outcome {
        let memoryFile = directory + "/peak-memory-kib"
        let child = try ChildProcess("/usr/bin/env", ["python3", CLI.peakMemory, memoryFile, "--", CLI.binary] + arguments, in: directory)
        var outcome = await stopped(child)
        outcome.maximumResidentKiB = (try? String(contentsOfFile: memoryFile, encoding: .utf8)).flatMap { Int($0) } ?? Int.max
        return outcome
    }

    private static func stopped(_ child: ChildProcess) async -> ChildProcess.Outcome {
        await withTaskGroup(of: ChildProcess.Outcome?.self) { group in
            group.addTask { await child.outcome() }
            group.addTask {
                try? await Task.sleep(for: outerLimit)
                return nil
            }
            while let next = await group.next() {
                if let outcome = next {
                    group.cancelAll()
                    return outcome
                }
                child.send(SIGTERM)
                group.addTask {
                    try? await Task.sleep(for: .seconds(60))
                    // Cancelled means the child was reaped: its pid may be another process's now.
                    if !Task.isCancelled { child.send(SIGKILL) }
                    return nil
                }
            }
            return await child.outcome()
        }
    }

    /// Kills what a failed run left behind, once the test has noted it, so no test outlives itself.
    static func killLeftovers(_ pids: [pid_t]) {
        for pid in pids where !leftoverProcesses([pid]).isEmpty { kill(pid, SIGKILL) }
    }

    /// What every hostile run must keep, whatever the engine did.
    func expectContained(_ run: Run, cases count: Int = 4, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(![128 + SIGTERM, 128 + SIGKILL].contains(run.outcome.status), "the run was stuck past \(Self.outerLimit)", sourceLocation: sourceLocation)
        #expect(run.cases.count == count, "not every case is in the report: \(run.outcome.stderr)", sourceLocation: sourceLocation)
        #expect(run.outcome.stdout.contains("\"totals\""), "no closing totals", sourceLocation: sourceLocation)
        #expect(run.leftovers.isEmpty, "processes outlived the run: \(run.leftovers)", sourceLocation: sourceLocation)
        #expect(run.outcome.maximumResidentKiB < Self.memoryBoundKiB, "peak memory \(run.outcome.maximumResidentKiB) KiB", sourceLocation: sourceLocation)
    }

    func statuses(_ run: Run) -> [String] { run.cases.map(\.status) }

    @Test("a lone surrogate escape errors its case; the run goes on")
    func surrogate() async throws {
        let run = try await run("surrogate")
        expectContained(run)
        #expect(statuses(run) == ["passed", "errored", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("surrogate"))
    }

    @Test("invalid UTF-8 in a reply is read with replacement characters, never a crash")
    func invalidUTF8() async throws {
        let run = try await run("invalid-utf8")
        expectContained(run)
        #expect(statuses(run) == ["passed", "errored", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("\u{FFFD}"))
    }

    @Test("a 100 MB line errors its case and costs a bounded amount of memory")
    func hugeLine() async throws {
        // Writing 100 MB takes a while on a loaded machine: this is about memory, not time.
        let run = try await run("huge-line", extra: ["--timeout", "120"])
        expectContained(run)
        #expect(statuses(run) == ["passed", "errored", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("longer than 32 MiB"))
    }

    @Test("JSON nested 200000 deep errors its case")
    func deepNesting() async throws {
        let run = try await run("deep-nesting")
        expectContained(run)
        #expect(statuses(run) == ["passed", "errored", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("nesting deeper"))
    }

    @Test("1e999 reads as infinity and fails the metric, nothing more")
    func hugeNumber() async throws {
        let run = try await run("huge-number")
        expectContained(run)
        #expect(statuses(run) == ["passed", "failed", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("loss_total"))
    }

    @Test("replies written before being asked never pass for an answer")
    func replyEarly() async throws {
        let run = try await run("reply-early", target: "none")
        expectContained(run)
        #expect(!statuses(run).contains("passed"), "a reply nobody asked for was taken as an answer")
    }

    /// Regression: the second answer was read as the answer to the next case, which was errored.
    @Test("a case answered twice is the one errored, not the next")
    func doubleReply() async throws {
        let run = try await run("double-reply")
        expectContained(run)
        #expect(statuses(run) == ["passed", "errored", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("more line(s) after its answer"))
    }

    @Test("an engine that closes its stdout but stays alive is killed; the next case gets a new one")
    func closeStdout() async throws {
        let run = try await run("close-stdout")
        expectContained(run)
        #expect(statuses(run) == ["passed", "errored", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("closed its stdout"))
    }

    /// Regression: the stderr tail kept the whole log alive (2x what the engine wrote).
    @Test("256 MB on stderr keeps only a 4 KiB tail")
    func stderrFlood() async throws {
        // Writing 256 MB takes a while on a loaded machine: this is about memory, not time.
        let run = try await run("stderr-flood", extra: ["--timeout", "120"])
        expectContained(run)
        #expect(statuses(run) == ["passed", "passed", "passed", "passed"])
    }

    /// Regression: the write of a run message into a full pipe blocked a pool thread forever.
    @Test("an engine that stops reading its stdin costs the case whose message it did not take")
    func deaf() async throws {
        // By hand: 20000 tokens of logprob -1, sum weighted 0.5: loss_total = -10000.
        let count = 20_000
        let ones = "[" + Array(repeating: "1", count: count).joined(separator: ",") + "]"
        let logprobs = "[" + Array(repeating: "-1.0", count: count).joined(separator: ",") + "]"
        let large = """
              - id: zz/large
                summary: a run message larger than a pipe's buffer
                covers: {rules: [composition.contribution]}
                data: [{tokens: \(ones), targets: \(ones), logprobs: \(logprobs)}]
                call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
                expect: {metrics: {loss_total: -10000.0}}

            """
        // The control: an engine that reads passes the large case.
        let control = try await run("pass", target: "none", extraCases: large)
        expectContained(control, cases: 5)
        #expect(control.status(of: "zz/large") == "passed")
        // The suite runs fault/* then zz/*: the engine answers case-3 and stops reading.
        let deaf = try await run("deaf", target: "fault/case-3", extraCases: large)
        expectContained(deaf, cases: 5)
        #expect(deaf.status(of: "zz/large") == "errored")
        #expect(deaf.message(of: "zz/large").contains("did not read the run message"))
    }

    @Test("an 8 MB error message is cut to 64 KiB in the report, and says so")
    func longMessage() async throws {
        let run = try await run("long-message")
        expectContained(run)
        #expect(statuses(run) == ["passed", "failed", "passed", "passed"])
        let message = run.message(of: "fault/case-1")
        #expect(message.utf8.count < 100_000)
        #expect(message.contains("cut: "))
    }

    /// Regression: `(a+)+$` against 40 a's and a '!' backtracked 2^40 times under ICU: the run
    /// never ended (then ran into the budget). The matcher visits each state once: it finishes.
    @Test("an exponential message pattern finishes, not matching, and fails the case")
    func regexBomb() async throws {
        let bomb = """
              - id: zz/bomb
                summary: a message pattern that backtracks exponentially
                covers: {rules: [composition.contribution]}
                data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
                call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
                expect: {error: {message: "(a+)+$"}}

            """
        let run = try await run("regex-bomb", target: "zz/bomb", extraCases: bomb)
        expectContained(run, cases: 5)
        #expect(run.status(of: "zz/bomb") == "failed")
        #expect(run.message(of: "zz/bomb").contains("does not match"))
    }

    /// Lookaheads retried at every position of an 8192-unit message take time quadratic in it,
    /// twenty of them about 2 * 10^9 steps: the budget ends the match. Each body branches, so
    /// that the matcher steps it rather than scanning for a straight line.
    @Test("a message pattern still matching at its budget is abandoned and fails the case")
    func regexBudget() async throws {
        let pattern = "(?s)" + String(repeating: "(?=.*(a|b))", count: 20) + "c"
        let slow = """
              - id: zz/slow
                summary: a message pattern that takes time quadratic in the message
                covers: {rules: [composition.contribution]}
                data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
                call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
                expect: {error: {message: "\(pattern)"}}

            """
        let run = try await run("regex-long", target: "zz/slow", extraCases: slow)
        expectContained(run, cases: 5)
        #expect(run.status(of: "zz/slow") == "failed")
        #expect(run.message(of: "zz/slow").contains("did not finish matching"))
    }

    /// Regression: a helper holding the engine's pipes kept the harness waiting forever.
    @Test("a helper the engine started is killed with its process group and reaped")
    func orphanHelper() async throws {
        let run = try await run("orphan-helper")
        expectContained(run)
        #expect(statuses(run) == ["passed", "errored", "passed", "passed"])
        #expect(run.message(of: "fault/case-1").contains("crashing, the helper stays"))
    }

    @Test("an engine that ignores SIGTERM and the stop message is killed at the end")
    func ignoresTermination() async throws {
        let run = try await run("ignore-sigterm", target: "none")
        expectContained(run)
        #expect(statuses(run) == ["passed", "passed", "passed", "passed"])
        #expect(run.outcome.status == 0)
    }

    /// Regression: one engine actor per job was allocated up front (8 TB for --jobs 10^12).
    @Test("--jobs far above the number of cases starts one process per case at most")
    func hugeJobs() async throws {
        let run = try await run("pass", target: "none", extra: ["--jobs", "1000000000000"])
        expectContained(run)
        #expect(statuses(run) == ["passed", "passed", "passed", "passed"])
        // Each engine is the hostile wrapper and the real engine: two processes.
        #expect(run.processCount <= 2 * 4, "\(run.processCount) processes for 4 cases")
    }

    /// Regression: --jobs was unbounded (4 + 3N threads, 11 + 5N descriptors for N engines).
    @Test("--jobs is capped at the cases and a few engines per core, and says so once")
    func cappedJobs() async throws {
        let cases = 12
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: cases)
        let engine = ["python3", CLI.hostileEngine, "pass", "none", "--", CLI.binary, "serve"].joined(separator: " ")
        let outcome = try await CLI.outcome(
            of: ["run", "specs", "--engine-command", engine, "--jobs", "100000", "--timeout", "120"], in: scratch.path)

        #expect(outcome.status == 0, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.contains("\(cases) passed, 0 failed, 0 errored, 0 skipped"), "\(outcome.stdout)")
        let engines = min(cases, 4 * ProcessInfo.processInfo.activeProcessorCount)
        let notes = outcome.stderr.components(separatedBy: "note: --jobs 100000 lowered to \(engines): ")
        #expect(notes.count == 2, "said once: \(outcome.stderr)")
        // Each engine is the hostile wrapper and the real engine: two processes.
        let pids = recordedPIDs(in: scratch.path)
        #expect(!pids.isEmpty && pids.count <= 2 * engines, "\(pids.count) processes for at most \(engines) engines")
        let leftovers = await leftoverProcesses(pids, within: .seconds(30))
        #expect(leftovers.isEmpty, "processes outlived the run: \(leftovers)")
    }
}
