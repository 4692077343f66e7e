import Foundation
import Testing

/// Text from spec file names, saved reports and engines, as the built tool prints it: escaped
/// on the terminal and cut to a screenful.
@Suite("Hostile text on the console")
struct HostileTextCLITests {
    /// A spec file name a terminal would act on: clear the screen, set the title, forge a line.
    static let hostileName = "\u{1B}[2J\u{1B}]0;owned\u{7}\nFAIL forged.yaml"

    /// One failing case (expects -1.0 where the sum gives -1.5).
    static let failingSpec = """
        suite: t
        cases:
          - id: t/fails
            summary: a failing case
            covers: {rules: [composition.contribution]}
            data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
            call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
            expect: {metrics: {loss_total: -1.0}}

        """

    func expectInert(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.unicodeScalars.contains { isControl($0) && $0 != "\n" }, "a raw control reaches the terminal", sourceLocation: sourceLocation)
        #expect(!text.contains("\nFAIL forged"), "a newline in a file name forged a line", sourceLocation: sourceLocation)
    }

    /// Regression: `FAIL id (FILE:LINE:COL)` printed the spec file's name raw.
    @Test("a spec file's name is escaped in the FAIL line")
    func specFileName() async throws {
        let scratch = try Scratch()
        try scratch.write("specs/" + Self.hostileName, Self.failingSpec)
        let result = try await CLI.run(["run", "specs"], in: scratch.path)
        #expect(result.status == 1, "\(result.stderr)")
        expectInert(result.stdout)
        expectInert(result.stderr)
        #expect(result.stdout.contains("FAIL t/fails (specs/\\u{1B}[2J\\u{1B}]0;owned\\u{7}\\nFAIL forged.yaml:"), "\(result.stdout)")
    }

    /// Regression: the `file` field of a saved report reached the terminal raw.
    @Test("regspec report escapes a saved report's file field")
    func savedReportFile() async throws {
        let scratch = try Scratch()
        try scratch.write("specs/t.yaml", Self.failingSpec)
        let saved = try await CLI.run(["run", "specs", "--report", "json:r.json", "-q"], in: scratch.path)
        #expect(saved.status == 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/r.json"))
        var document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var cases = try #require(document["cases"] as? [[String: Any]])
        cases[0]["file"] = Self.hostileName
        document["cases"] = cases
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: scratch.path + "/r.json"))
        let result = try await CLI.run(["report", "r.json"], in: scratch.path)
        #expect(result.status == 1, "\(result.stderr)")
        expectInert(result.stdout)
        #expect(result.stdout.contains("FAIL t/fails (\\u{1B}[2J"), "\(result.stdout)")
    }

    /// Regression: an engine's long message was echoed whole on the console (the report cuts at 64 KiB).
    @Test("a long engine message is cut on the console and kept in the report", .enabled(if: CLI.hasPython, "needs python3"))
    func longMessage() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 2)
        let engine = ["python3", CLI.hostileEngine, "long-message", "fault/case-1", "--", CLI.binary, "serve"].joined(separator: " ")
        let result = try await CLI.run(["run", "specs", "--engine-command", engine, "--report", "json:r.json"], in: scratch.path)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("FAIL fault/case-1"))
        #expect(result.stdout.contains("more characters; a report file keeps them]"))
        #expect(result.stdout.count < 10_000, "\(result.stdout.count) characters on the console")
        let report = try String(contentsOfFile: scratch.path + "/r.json", encoding: .utf8)
        #expect(report.count > 60_000, "the report keeps what the console cuts")
    }

    /// Independent of the code under test: C0, C1 and DEL.
    func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
