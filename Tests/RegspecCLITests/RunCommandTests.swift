import Foundation
import Testing

/// The built `regspec` binary, run as CI runs it: output, files written, exit codes.
@Suite("regspec end to end")
struct RunCommandTests {
    @Test("the shipped suite passes against the reference and ends with the counts line")
    func shippedSuite() async throws {
        let result = try await CLI.run(["run", "specs"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let last = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.range(of: #"^\d+ passed, 0 failed, 0 errored, 0 skipped$"#, options: .regularExpression) != nil, "\(last)")
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test("the suite through `regspec serve` reports exactly what the in-process engine reports")
    func serveMatchesInProcess() async throws {
        func outcomes(_ extra: [String]) async throws -> [String] {
            let result = try await CLI.run(["run", "specs", "--format", "json"] + extra)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let cases = try #require(json["cases"] as? [[String: Any]])
            return cases.map { "\($0["id"] ?? "") \($0["status"] ?? "")" }
        }
        let inProcess = try await outcomes([])
        let served = try await outcomes(["--engine-command", "\(CLI.binary) serve", "--strict-protocol", "--jobs", "2"])
        #expect(inProcess.count > 60)
        #expect(served == inProcess)
    }

    @Test("a failing case exits 1 and says where and why")
    func failingCase() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 2)
        let path = scratch.path + "/specs/fault.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "loss_total: -1.5}, gradient", with: "loss_total: -1.25}, gradient")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["run", "specs"], in: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL fault/case-0 (specs/fault.yaml:3:5)"))
        #expect(result.stdout.contains("metrics.loss_total: expected -1.25 ± 1.4e-05, actual -1.5 (difference 0.25; rtol=1e-05, atol=1e-06)"))
        #expect(result.stdout.hasSuffix("0 passed, 2 failed, 0 errored, 0 skipped\n"))
    }

    @Test("a broken spec file exits 2 with file:line:column and runs nothing")
    func brokenSpec() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        try scratch.write("specs/broken.yaml", "suite: broken\ncases:\n  - id: broken/one\n    sumary: typo\n")
        let result = try await CLI.run(["run", "specs"], in: scratch.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("specs/broken.yaml:4:5: error: unknown key 'sumary' in a case (did you mean 'summary'?)"))
        #expect(!result.stdout.contains("passed"))
        let validate = try await CLI.run(["validate", "specs"], in: scratch.path)
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("specs/broken.yaml:4:5"))
        // run points to validate; validate does not point to itself.
        #expect(result.stderr.contains("5 problems in the spec files; nothing was run. `regspec validate` lists them too."), "\(result.stderr)")
        #expect(validate.stderr.contains("5 problems in the spec files\n"), "\(validate.stderr)")
        #expect(!validate.stderr.contains("regspec validate"), "\(validate.stderr)")
    }

    @Test("report files are written in the chosen format while the console summary still prints")
    func reportFiles() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 3)
        for (format, marker) in [("junit", "<testsuites name=\"regspec\" tests=\"3\""), ("tap", "1..3"), ("json", "\"passed\" : 3")] {
            let result = try await CLI.run(["run", "specs", "--format", format, "--output", "reports/out.\(format)"], in: scratch.path)
            #expect(result.status == 0)
            #expect(result.stdout.hasSuffix("3 passed, 0 failed, 0 errored, 0 skipped\n"))
            let written = try String(contentsOfFile: scratch.path + "/reports/out.\(format)", encoding: .utf8)
            #expect(written.contains(marker), "\(format): \(written.prefix(200))")
        }
    }

    @Test("selection options narrow the run; an unknown --case is a usage error")
    func selection() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 3)
        let one = try await CLI.run(["run", "specs", "--case", "fault/case-2"], in: scratch.path)
        #expect(one.stdout.hasSuffix("1 passed, 0 failed, 0 errored, 0 skipped\n"))
        let filtered = try await CLI.run(["run", "specs", "--filter", "case-[01]$"], in: scratch.path)
        #expect(filtered.stdout.hasSuffix("2 passed, 0 failed, 0 errored, 0 skipped\n"))
        let unknown = try await CLI.run(["run", "specs", "--case", "fault/none"], in: scratch.path)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no case has the id \"fault/none\""))
        let usage = try await CLI.run(["run", "specs", "--jobs", "0"], in: scratch.path)
        #expect(usage.status == 2)
    }

    @Test("every checklist item and semantics rule is covered by a shipped case")
    func coverage() async throws {
        let result = try await CLI.run(["list", "specs", "--coverage"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(!result.stdout.contains("NOT COVERED"))
        #expect(result.stdout.contains("checklist items"))
    }

    @Test("validate accepts the shipped suite; --help teaches the exit codes")
    func validateAndHelp() async throws {
        let validate = try await CLI.run(["validate", "specs"])
        #expect(validate.status == 0)
        #expect(validate.stdout.contains("no problems"))
        let help = try await CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes: 0"))
        let runHelp = try await CLI.run(["run", "--help"])
        #expect(runHelp.stdout.contains("--engine-command"))
    }
}
