import ArgumentParser
import SpecHarness

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check spec files without running them.",
        discussion: """
            Reports, each with file:line:column: YAML syntax errors, unknown keys (with a did-you-mean), \
            wrong types, duplicate case ids, unknown catalogue fns and parameters, missing fixture \
            files, datum indices out of range, malformed regularizers in cases that do not expect \
            invalid_regularizer, and tolerance or absent paths that name nothing the case compares. \
            Warns where a check cannot fail: an expected non-zero value within its allowed difference \
            of 0 (set atol for that field). Exit code 0 when every file is clean (warnings allowed \
            unless --strict), 2 otherwise.
            """)

    @OptionGroup var suite: SuiteOptions

    @Flag(help: "Treat warnings (checks that cannot fail) as errors: exit 2 when there are any.")
    var strict = false

    func run() throws {
        let loaded = try suite.load(pointingToValidate: false)
        let warnings = loaded.warnings + SpecLint.warnings(for: loaded.cases)
        for warning in warnings { printError(warning.description) }
        if strict && !warnings.isEmpty {
            printError("\(counted(warnings.count, "warning")), treated as errors (--strict)")
            throw ExitCode(2)
        }
        let noted = warnings.isEmpty ? "no problems" : "no problems, \(counted(warnings.count, "warning"))"
        print("\(counted(loaded.files.count, "file")), \(counted(loaded.cases.count, "case")), \(noted)")
    }
}
