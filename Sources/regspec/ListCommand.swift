import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SpecHarness

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List cases with their summaries and tags, or what they cover.",
        discussion: "With --coverage: every checklist item and semantics rule, and the cases that cover it. Exit code 1 when any has none.")

    @OptionGroup var suite: SuiteOptions
    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Show checklist and rule coverage instead of the cases.")
    var coverage = false

    @Flag(help: "Print the selected cases as JSON (id, suite, summary, file, line, tags, checklist, rules), for tools such as the pytest plugin.")
    var json = false

    func validate() throws {
        if json && coverage { throw ValidationError("--json lists cases; it does not combine with --coverage") }
    }

    func run() throws {
        let loaded = try suite.load()
        let cases = try selection.apply(to: loaded.cases)
        if json {
            print(try CaseListing(suite: loaded, cases: cases).rendered())
            return
        }
        guard coverage else {
            for specCase in cases {
                let tags = specCase.tags.isEmpty ? "" : "  [\(specCase.tags.map(TextEscaping.oneLine).joined(separator: ", "))]"
                print("\(TextEscaping.oneLine(specCase.id))  \(TextEscaping.consoleLine(specCase.summary))\(tags)")
            }
            print(counted(cases.count, "case"))
            return
        }
        let report = CoverageReport(cases: cases)
        print(report.render())
        if !report.uncovered.isEmpty { throw ExitCode(1) }
    }
}

/// `regspec list --json`: the selected cases with the report's case fields that exist before a
/// run (docs/report-format.md), so a tool can collect them without parsing spec files itself.
private struct CaseListing: Encodable {
    struct Entry: Encodable {
        var id, suite, summary, file: String
        var line, column, order: Int
        var tags, checklist, rules: [String]
    }

    var format = "regspec-case-list"
    var formatVersion = 1
    var suite: SuiteIdentity
    var cases: [Entry]

    init(suite loaded: LoadedSuite, cases: [SpecCase]) {
        let order = Dictionary(loaded.cases.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        suite = SuiteIdentity(loaded)
        self.cases = cases.map {
            Entry(
                id: $0.id, suite: $0.suite, summary: $0.summary, file: $0.location.file, line: $0.location.line,
                column: $0.location.column, order: order[$0.id] ?? 0, tags: $0.tags, checklist: $0.covers.checklist,
                rules: $0.covers.rules)
        }
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", suite, cases
    }

    func rendered() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
