import ArgumentParser
import SpecHarness

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check spec files without running them.",
        discussion: """
            Reports, each with file:line:column: YAML syntax errors, unknown keys (with a did-you-mean), \
            wrong types, duplicate case ids, unknown catalogue fns and parameters, missing fixture \
            files, datum indices out of range, and malformed regularizers in cases that do not expect \
            invalid_regularizer. Exit code 0 when every file is clean, 2 otherwise.
            """)

    @OptionGroup var suite: SuiteOptions

    func run() throws {
        let loaded = try suite.load()
        print("\(loaded.files.count) files, \(loaded.cases.count) cases, no problems")
    }
}
