import Foundation
import Testing

/// `tools/check_suite_version.py` (run by CI) fails when the suite's content changes under a
/// version that was already recorded: the same version must always mean the same cases.
@Suite("Suite version check", .enabled(if: CLI.hasPython, "needs python3 to run the check"))
struct SuiteVersionCheckTests {
    let script = CLI.packageRoot + "/tools/check_suite_version.py"

    /// A copy of what the check reads: specs/, fixtures/, the version source, the record, the changelog.
    func checkout() throws -> Scratch {
        let scratch = try Scratch()
        let manager = FileManager.default
        for folder in ["specs", "fixtures"] {
            try? manager.removeItem(atPath: scratch.path + "/" + folder)
            try manager.copyItem(atPath: CLI.packageRoot + "/" + folder, toPath: scratch.path + "/" + folder)
        }
        for file in ["Sources/SpecHarness/RegSpecVersion.swift", "tools/suite-versions.txt", "CHANGELOG.md"] {
            let target = scratch.path + "/" + file
            try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try manager.copyItem(atPath: CLI.packageRoot + "/" + file, toPath: target)
        }
        return scratch
    }

    func check(_ scratch: Scratch, _ extra: [String] = []) async throws -> ChildProcess.Outcome {
        try await ChildProcess("/usr/bin/env", ["python3", script, "--repo", scratch.path] + extra, in: scratch.path).outcome()
    }

    @Test("the checkout passes: its suite version is recorded with its content")
    func checkoutPasses() async throws {
        let outcome = try await check(try checkout())
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test("a planted change to a spec file without a version bump fails, and names what to do")
    func plantedChangeFails() async throws {
        let scratch = try checkout()
        let path = scratch.path + "/specs/composition.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // One expected number nudged: a changed expectation under the same version.
        try text.replacingOccurrences(of: "loss_total: ", with: "loss_total: 1", options: [], range: text.range(of: "loss_total: "))
            .write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try await check(scratch)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("specs/ or fixtures/ changed, but the suite is still"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("Bump RegSpecVersion.suite"))
    }

    @Test("a new fixture file is a content change too")
    func plantedFixtureFails() async throws {
        let scratch = try checkout()
        try scratch.write("fixtures/datasets/extra.yaml", "data: []\n")
        #expect(try await check(scratch).status == 1)
    }

    @Test("a bumped version passes once recorded and named in the changelog, and not before")
    func bumpThenRecord() async throws {
        let scratch = try checkout()
        try scratch.write("fixtures/datasets/extra.yaml", "data: []\n")
        let source = scratch.path + "/Sources/SpecHarness/RegSpecVersion.swift"
        let text = try String(contentsOfFile: source, encoding: .utf8)
        let bumped = try #require(text.range(of: #"static let suite = "[0-9.]+""#, options: .regularExpression))
        try text.replacingCharacters(in: bumped, with: #"static let suite = "99.0.0""#).write(toFile: source, atomically: true, encoding: .utf8)
        let unrecorded = try await check(scratch)
        #expect(unrecorded.status == 1)
        #expect(unrecorded.stderr.contains("suite 99.0.0 (RegSpecVersion.suite) is not recorded"), "\(unrecorded.stderr)")
        #expect(unrecorded.stderr.contains("CHANGELOG.md does not name suite 99.0.0"))
        #expect(try await check(scratch, ["--record"]).status == 0)
        let changelog = scratch.path + "/CHANGELOG.md"
        try (try String(contentsOfFile: changelog, encoding: .utf8) + "\n## suite 99.0.0\n").write(toFile: changelog, atomically: true, encoding: .utf8)
        let recorded = try await check(scratch)
        #expect(recorded.status == 0, "\(recorded.stderr)")
    }
}
