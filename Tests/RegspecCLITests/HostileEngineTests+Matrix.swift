import Foundation
import Testing

/// The larger matrix: sizes an engine controls (entries, keys, elements), replies that are
/// well formed but wrong or slow, and engines that stop, exit or close a stream midway, each
/// under `run` and under `explore`.
extension HostileEngineTests {
    /// One kind of hostile engine and what `run` must make of it over `fault/case-0...3` (the
    /// engine misbehaves on `fault/case-1`).
    struct Kind: Sendable, CustomTestStringConvertible {
        var mode: String
        /// The statuses of the four cases, in order.
        var statuses: [String]
        /// What the misbehaving case's message says, when it is errored or failed.
        var message: String?
        /// `--timeout`: 2 s where a wait is the point, more where the size is.
        var timeout = 60
        /// Whether `explore` should still see every case agree.
        var harmless = false

        var testDescription: String { mode }
    }

    static let kinds: [Kind] = [
        // More entries than the call sent: the case fails (judged in time linear in the reply).
        Kind(mode: "many-regularizers", statuses: ["passed", "failed", "passed", "passed"]),
        // Keys its fn never reported in a custom map: the case fails (each custom map holds
        // exactly its fn's metrics, semantics 7), judged in time linear in the keys.
        Kind(mode: "many-custom", statuses: ["passed", "failed", "passed", "passed"], message: "and 99992 more"),
        Kind(mode: "huge-gradient", statuses: ["passed", "failed", "passed", "passed"], message: "expected 2 values, got 1000000"),
        // By hand: weight 0.5 becomes 0.5 * 3 + 1 = 2.5; the sum -3 gives loss_total -7.5.
        Kind(mode: "other-case", statuses: ["passed", "failed", "passed", "passed"], message: "expected -1.5 ± 1.6e-05, actual -7.5"),
        Kind(mode: "split-writes", statuses: ["passed", "passed", "passed", "passed"], harmless: true),
        Kind(mode: "mute-after-handshake", statuses: ["errored", "errored", "errored", "errored"], message: "did not answer within", timeout: 2),
        Kind(mode: "exit-zero", statuses: ["passed", "errored", "passed", "passed"], message: "closed its stdout"),
        Kind(mode: "stdout-garbage", statuses: ["passed", "errored", "passed", "passed"], message: "not JSON"),
        Kind(mode: "stderr-no-newline", statuses: ["passed", "passed", "passed", "passed"], harmless: true),
        Kind(mode: "close-stdin", statuses: ["passed", "passed", "errored", "passed"], message: "fault/case-2", timeout: 2),
    ]

    @Test("run: every case accounted for, memory bounded, no process left", arguments: kinds)
    func runMatrix(_ kind: Kind) async throws {
        let run = try await run(kind.mode, extra: ["--timeout", "\(kind.timeout)"])
        expectContained(run)
        #expect(statuses(run) == kind.statuses, "\(run.cases.map { "\($0.id): \($0.status): \($0.message.prefix(300))" })")
        if let message = kind.message {
            let id = kind.mode == "close-stdin" ? "fault/case-2" : "fault/case-1"
            let said = kind.mode == "mute-after-handshake" ? run.message(of: "fault/case-0") : run.message(of: id)
            #expect(said.contains(message), "\(said.prefix(500))")
            #expect(said.utf8.count < 70_000, "the message is bounded: \(said.utf8.count) bytes")
        }
    }

    @Test("explore: every generated case accounted for, memory bounded, no process left", arguments: kinds)
    func exploreMatrix(_ kind: Kind) async throws {
        let scratch = try Scratch()
        let cases = 4
        let engine = ["python3", CLI.hostileEngine, kind.mode, "'#2'", "--", CLI.binary, "serve"].joined(separator: " ")
        let outcome = try await Self.outcome(
            of: ["explore", "--engine-command", engine, "--cases", "\(cases)", "--seed", "1", "--invalid-rate", "0",
                 "--max-disagreements", "0", "--max-shrink-attempts", "0", "--timeout", "\(kind.timeout)", "--out", "findings"],
            in: scratch.path)
        #expect(![128 + SIGTERM, 128 + SIGKILL].contains(outcome.status), "the run was stuck past \(Self.outerLimit)")
        let counts = try #require(Self.closingCounts(outcome.stdout), "no closing line: \(outcome.stdout.suffix(2000)) \(outcome.stderr.suffix(2000))")
        #expect(counts.reduce(0, +) == cases, "\(counts): not every case accounted for")
        let notAgreed = counts[1] + counts[2]
        if kind.harmless {
            #expect(notAgreed == 0 && outcome.status == 0, "\(outcome.stdout.suffix(2000))")
        } else {
            #expect(notAgreed >= 1 && outcome.status == 1, "the engine's fault went unseen: \(outcome.stdout.suffix(2000))")
        }
        let pids = ((try? String(contentsOfFile: scratch.path + "/pids", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
        #expect(!pids.isEmpty)
        #expect(leftoverProcesses(pids).isEmpty, "processes outlived the run: \(leftoverProcesses(pids))")
        Self.killLeftovers(pids)
        #expect(outcome.maximumResidentKiB < Self.memoryBoundKiB, "peak memory \(outcome.maximumResidentKiB) KiB")
    }

    @Test("negative control: the accounting sees a missing case and a fault that went unseen")
    func matrixNegativeControl() throws {
        #expect(Self.closingCounts("x\n3 passed, 0 failed, 0 errored, 0 skipped\n") == [3, 0, 0, 0])
        #expect(Self.closingCounts("interrupted\n") == nil)
        let passing = try #require(Self.closingCounts("1 passed, 1 failed, 1 errored, 1 skipped\n"))
        #expect(passing.reduce(0, +) == 4 && passing[1] + passing[2] == 2)
    }

    /// `N passed, N failed, N errored, N skipped` from the last such line of `text`.
    static func closingCounts(_ text: String) -> [Int]? {
        for line in text.split(separator: "\n").reversed() {
            let words = line.split(separator: " ")
            guard words.count == 8, [words[1], words[3], words[5], words[7]] == ["passed,", "failed,", "errored,", "skipped"] else { continue }
            let numbers = [words[0], words[2], words[4], words[6]].compactMap { Int($0) }
            if numbers.count == 4 { return numbers }
        }
        return nil
    }
}
