import Foundation
import Testing

@Suite struct ExploreCommandTests {
    /// The reference behind the protocol agrees with the reference in process: exit 0 and the
    /// suite's closing line, with the seed named.
    @Test("explore against serve agrees") func exploreAgainstServeAgrees() async throws {
        let serve = "\(CLI.binary) serve"
        let result = try await CLI.run(["explore", "--engine-command", serve, "--seed", "3", "--cases", "40", "--assume-float64"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.last == "40 passed, 0 failed, 0 errored, 0 skipped")
        #expect(result.stdout.contains("seed 3"))
    }

    @Test("replay runs one case") func replayRunsOneCase() async throws {
        let result = try await CLI.run(["explore", "--engine-command", "\(CLI.binary) serve", "--seed", "3", "--replay", "17", "--assume-float64"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.hasSuffix("1 passed, 0 failed, 0 errored, 0 skipped\n"))
    }

    /// Regression: the replay line read `--engine-command ...`, so it could not be pasted.
    @Test("a disagreement's replay line is complete and shell-quoted: pasted into sh, it replays the case", .enabled(if: CLI.hasPython))
    func replayLineCanBePasted() async throws {
        let scratch = try Scratch()
        // A command with spaces and single quotes, as a real one may have.
        let engine = "python3 '\(CLI.faultEngine)' zero-weights -- '\(CLI.binary)' serve"
        let found = try await CLI.run(
            ["explore", "--engine-command", engine, "--seed", "5", "--cases", "30", "--max-shrink-attempts", "20", "--out", "found"],
            in: scratch.path)
        #expect(found.status == 1, "\(found.stdout)\n\(found.stderr)")
        let lines = found.stdout.split(separator: "\n")
        let replay = String(try #require(lines.first { $0.hasPrefix("  replay: ") }).dropFirst("  replay: ".count))
        #expect(!replay.contains("..."), "\(replay)")
        #expect(replay.contains(" explore --engine-command 'python3 '\\''\(CLI.faultEngine)'\\'' zero-weights -- '\\''"), "\(replay)")
        let number = try #require(lines.first { $0.hasPrefix("DISAGREE case ") }?.split(separator: " ")[2])
        #expect(replay.hasSuffix("'\\'' serve' --seed 5 --replay \(number) --max-shrink-attempts 20 --out found"), "\(replay)")
        let pasted = try await CLI.runShell(replay, in: scratch.path)
        #expect(pasted.status == 1, "\(pasted.stdout)\n\(pasted.stderr)")
        #expect(pasted.stdout.contains("DISAGREE case \(number) "), "\(pasted.stdout)")
        #expect(pasted.stdout.hasSuffix("0 passed, 1 failed, 0 errored, 0 skipped\n"), "\(pasted.stdout)")
    }

    @Test("usage errors exit with two") func usageErrorsExitWithTwo() async throws {
        for arguments in [["explore"], ["explore", "--export", "x", "--engine-command", "y"],
                          ["explore", "--engine-command", "y", "--cases", "3", "--time", "2"],
                          ["explore", "--engine-command", "y", "--invalid-rate", "2"]] {
            let result = try await CLI.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
        }
    }

    /// Exported cases load as spec files and the reference passes every one of them.
    @Test("exported cases validate and pass") func exportedCasesValidateAndPass() async throws {
        let scratch = try Scratch()
        let export = try await CLI.run(["explore", "--export", scratch.path + "/specs", "--cases", "60", "--seed", "8"], in: scratch.path)
        #expect(export.status == 0, "\(export.stderr)")
        let validate = try await CLI.run(["validate", "--strict", "specs"], in: scratch.path)
        #expect(validate.status == 0, "\(validate.stdout)\n\(validate.stderr)")
        let run = try await CLI.run(["run", "specs"], in: scratch.path)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains(" 0 failed, 0 errored"))
    }
}
