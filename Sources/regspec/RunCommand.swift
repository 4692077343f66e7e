import ArgumentParser
import Foundation
import SpecHarness

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run spec cases against an engine and report.",
        discussion: """
            Each case ends passed, failed (the engine's result differs from the spec), errored (the
            engine broke) or skipped (the engine lacks a capability the case needs). The last line is
            `N passed, N failed, N errored, N skipped`. Exit code 0 when nothing failed or errored.

            Examples:
              regspec run specs
              regspec run specs --tag checklist --format junit --output reports/regspec.xml
              regspec run specs --case composition/nll-plus-two-sync
            """)

    @OptionGroup var suite: SuiteOptions
    @OptionGroup var selection: SelectionOptions

    @Option(help: ArgumentHelp("Report format: console, json, junit or tap.", valueName: "format"))
    var format: ReportFormat = .console

    @Option(help: ArgumentHelp("Write the --format report to this file (the console summary still prints).", valueName: "file"))
    var output: String?

    @Option(help: "How many cases run at once.")
    var jobs: Int = 1

    @Option(help: ArgumentHelp("Seconds a case may take before it is reported as errored.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let loaded = try suite.load()
        let cases = try selection.apply(to: loaded.cases)
        let engine = ReferenceEngine()
        let description = engine.describe()
        let progress = ProgressLine(total: cases.count)
        let runner = SuiteRunner(engine: engine, jobs: jobs, caseTimeout: .milliseconds(timeout * 1000))
        let report = await runner.run(cases, description: description) { result in progress.advance(result) }
        progress.finish()

        let useColor = ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) != 0
        if let output {
            try write(format.reporter().render(report), to: output)
            print(ConsoleReporter(useColor: useColor).render(report), terminator: "")
        } else if format == .console {
            print(ConsoleReporter(useColor: useColor).render(report), terminator: "")
        } else {
            print(format.reporter().render(report), terminator: "")
        }
        if !report.succeeded { throw ExitCode(1) }
    }

    private func write(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            printError("error: cannot write the report to \(path): \(error.localizedDescription)")
            throw ExitCode(2)
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
