import ArgumentParser
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

    func run() throws {
        let cases = try selection.apply(to: try suite.load().cases)
        guard coverage else {
            for specCase in cases {
                let tags = specCase.tags.isEmpty ? "" : "  [\(specCase.tags.joined(separator: ", "))]"
                print("\(specCase.id)  \(specCase.summary)\(tags)")
            }
            print("\(cases.count) cases")
            return
        }
        let report = CoverageReport(cases: cases)
        print(report.render())
        if !report.uncovered.isEmpty { throw ExitCode(1) }
    }
}
