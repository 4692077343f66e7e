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
