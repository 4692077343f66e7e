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

    /// Several engine processes take several cases at once; what explore reports stays in
    /// case order, so the same seed finds the same first disagreement and writes the same
    /// reproducer as one process does.
    @Test("with --jobs, explore finds and writes what one process finds", .enabled(if: CLI.hasPython))
    func jobsFindWhatOneProcessFinds() async throws {
        let scratch = try Scratch()
        let engine = "python3 '\(CLI.faultEngine)' zero-weights -- '\(CLI.binary)' serve"
        var found: [String] = []
        for jobs in ["1", "3"] {
            let result = try await CLI.run(
                ["explore", "--engine-command", engine, "--seed", "5", "--cases", "30", "--max-shrink-attempts", "20",
                 "--out", "found-\(jobs)", "--jobs", jobs],
                in: scratch.path)
            #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            // The case and how many cases it took, not the seconds.
            let disagree = try #require(lines.first { $0.hasPrefix("DISAGREE case ") })
            found.append(Self.withoutRunLabel(disagree.split(separator: ",").prefix(2).joined(separator: ",")))
            #expect(result.stdout.hasSuffix(" passed, 1 failed, 0 errored, 0 skipped\n"), "\(result.stdout)")
        }
        #expect(found[0] == found[1])
        let files = try ["1", "3"].map { jobs in
            let folder = scratch.path + "/found-\(jobs)"
            let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            return try names.map { Self.withoutRunLabel(try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) }
        }
        #expect(files[0].count == 1 && files[0] == files[1])
    }

    /// Each run draws its own run label for its ids and file names.
    static func withoutRunLabel(_ text: String) -> String {
        text.replacing(/run-[0-9a-f]{8}/, with: "run-LABEL")
    }

    @Test("explore --jobs against serve agrees") func exploreWithJobsAgainstServeAgrees() async throws {
        let result = try await CLI.run(
            ["explore", "--engine-command", "\(CLI.binary) serve", "--seed", "3", "--cases", "40", "--assume-float64", "--jobs", "2"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.hasSuffix("40 passed, 0 failed, 0 errored, 0 skipped\n"), "\(result.stdout)")
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
                          ["explore", "--engine-command", "y", "--invalid-rate", "2"],
                          ["explore", "--engine-command", "y", "--jobs", "0"]] {
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
