import Foundation
import Testing

/// `--rerun-failed` and `report --diff` read a saved report; each says when that report is not
/// of the run it is taken for.
@Suite("Saved reports of another run")
struct RerunAndDiffIdentityTests {
    func mixed() async throws -> Scratch {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch)
        _ = try await CLI.run(["run", "specs", "--report", "json:last.json"], in: scratch.path)
        return scratch
    }

    @Test("--rerun-failed whose failed cases are all outside the selection is a usage error (exit 2)")
    func rerunMatchingNothing() async throws {
        let scratch = try await mixed()
        let none = try await CLI.run(["run", "specs", "--rerun-failed", "last.json", "--case", "mixed/case-0"], in: scratch.path)
        #expect(none.status == 2, "\(none.stdout)\n\(none.stderr)")
        #expect(none.stderr.contains("error: none of the 2 case(s) that failed or errored in last.json is among the selected cases"), "\(none.stderr)")
        // Negative control: a selection holding one of them runs it.
        let one = try await CLI.run(["run", "specs", "--rerun-failed", "last.json", "--case", "mixed/case-1", "-q"], in: scratch.path)
        #expect(one.status == 1)
        #expect(one.stdout == "0 passed, 1 failed, 0 errored, 0 skipped\n")
    }

    @Test("--rerun-failed refuses a report of another suite")
    func rerunOfAnotherSuite() async throws {
        let scratch = try await mixed()
        let text = try String(contentsOfFile: scratch.path + "/specs/mixed.yaml", encoding: .utf8)
        try scratch.write("specs/mixed.yaml", text.replacingOccurrences(of: "summary: case 0", with: "summary: case zero"))
        let other = try await CLI.run(["run", "specs", "--rerun-failed", "last.json"], in: scratch.path)
        #expect(other.status == 2, "\(other.stdout)\n\(other.stderr)")
        #expect(other.stderr.contains("error: last.json is a report of another suite"), "\(other.stderr)")
        #expect(other.stdout.isEmpty, "nothing ran")
    }

    @Test("report --diff says when the reports are of different engines or suites, and is silent when alike")
    func diffIdentity() async throws {
        let scratch = try await mixed()
        _ = try await CLI.run(["run", "specs", "--report", "json:again.json"], in: scratch.path)
        let alike = try await CLI.run(["report", "--diff", "last.json", "again.json"], in: scratch.path)
        #expect(alike.status == 0)
        #expect(!alike.stdout.contains("note:"), "\(alike.stdout)")

        _ = try await CLI.run(["run", "specs", "--engine-name", "other", "--report", "json:other.json"], in: scratch.path)
        let engines = try await CLI.run(["report", "--diff", "last.json", "other.json"], in: scratch.path)
        #expect(engines.stdout.hasPrefix("note: the reports are of different engines: OLD 'regspec-reference'"), "\(engines.stdout)")
        #expect(engines.stdout.contains("NEW 'other'"))
        #expect(!engines.stdout.contains("different suites"))

        let text = try String(contentsOfFile: scratch.path + "/specs/mixed.yaml", encoding: .utf8)
        try scratch.write("specs/mixed.yaml", text.replacingOccurrences(of: "summary: case 0", with: "summary: case zero"))
        _ = try await CLI.run(["run", "specs", "--report", "json:edited.json"], in: scratch.path)
        let suites = try await CLI.run(["report", "--diff", "last.json", "edited.json"], in: scratch.path)
        #expect(suites.stdout.hasPrefix("note: the reports ran different suites: OLD suite "), "\(suites.stdout)")
        #expect(!suites.stdout.contains("different engines"))
    }
}
