import Foundation
import Testing

/// Every help text reads at 80 columns: prose is wrapped by the argument parser, never broken
/// by hand in the source, where a line ends mid-sentence well short of the width.
@Suite("Help texts")
struct HelpTextTests {
    static let commands = ["", "run", "report", "list", "validate", "serve", "explore"]
    /// The longest line the parser writes at `COLUMNS=80`.
    static let width = 79

    /// Pairs of lines where the second's first word would have fitted on the first: a break the
    /// wrapper did not make. Table rows (options, subcommands), examples and headings are not prose.
    static func handBrokenLines(_ text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [String] = []
        for (first, second) in zip(lines, lines.dropFirst()) {
            let indent = { (line: String) in line.prefix { $0 == " " }.count }
            guard !first.trimmingCharacters(in: .whitespaces).isEmpty, !second.trimmingCharacters(in: .whitespaces).isEmpty,
                indent(first) == indent(second), !first.hasSuffix(":")
            else { continue }
            let body = second.dropFirst(indent(second))
            let isTableRow = indent(second) >= 2 && (body.hasPrefix("-") || body.contains("  "))
            let isExample = first.trimmingCharacters(in: .whitespaces).hasPrefix("regspec ") || body.hasPrefix("regspec ")
            guard !isTableRow, !isExample, let word = body.split(separator: " ").first else { continue }
            if first.count + 1 + word.count <= width { found.append(first + " ⏎ " + second) }
        }
        return found
    }

    @Test("no help text is broken mid-sentence at 80 columns", arguments: commands)
    func wrapped(_ command: String) async throws {
        let result = try await CLI.run((command.isEmpty ? [] : [command]) + ["--help"], environment: ["COLUMNS": "80"])
        #expect(result.status == 0)
        #expect(Self.handBrokenLines(result.stdout) == [], "regspec \(command) --help")
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 || $0.contains("regspec ") })
    }

    @Test("negative control: a hand-wrapped paragraph is found")
    func handWrapFound() {
        let text = "Generates random calls from a seed (valid ones, and at\n--invalid-rate invalid ones, one error kind at a time)"
        #expect(Self.handBrokenLines(text).count == 1)
        #expect(Self.handBrokenLines("a short line that the wrapper\nbroke because the next word is longer than the room on the line left.") .isEmpty == false)
        #expect(Self.handBrokenLines(String(repeating: "word ", count: 15) + "endword\nnext") == [])
    }

    @Test("run --help lists the report formats once")
    func formatsOnce() async throws {
        let result = try await CLI.run(["run", "--help"], environment: ["COLUMNS": "80"])
        // The parser lists each option's values; a hand-written list beside it said them twice.
        #expect(!result.stdout.contains("Formats: console"))
        #expect(result.stdout.contains("(values: console, json, jsonl,"))
    }
}
