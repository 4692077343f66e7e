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

    @Option(help: ArgumentHelp("Seconds a case may take before it is reported as errored (and an engine process killed).", valueName: "seconds"))
    var timeout: Double = 30

    @Option(help: ArgumentHelp(
        "Run against an implementation behind the JSON-lines protocol (docs/protocol.md) instead of the built-in reference.",
        discussion: "Run through /bin/sh, e.g. \"python3 -m regspec_adapter --client my_pkg:TrainingClient\". With --jobs N, N processes.",
        valueName: "command"))
    var engineCommand: String?

    @Option(help: "How many times a crashed or hung engine is restarted before every remaining case is errored.")
    var maxRestarts: Int = 5

    @Flag(help: "Reject engine replies with keys the protocol does not define.")
    var strictProtocol = false

    @Option(help: ArgumentHelp(
        "A YAML file of `case-id: reason` the engine is known to fail.",
        discussion: "Those failing or erroring do not fail the run (xfailed); one passing does (xpassed), so the list stays honest.",
        valueName: "file"))
    var expectedFailures: String?

    @Flag(help: "Rewrite the --expected-failures file to list exactly the cases that fail now, keeping known reasons.")
    var updateExpectedFailures = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be a number of seconds above 0, at most 86400") }
        guard maxRestarts >= 0 else { throw ValidationError("--max-restarts must not be negative") }
        if updateExpectedFailures && expectedFailures == nil {
            throw ValidationError("--update-expected-failures needs --expected-failures FILE")
        }
        if engineCommand == nil && strictProtocol {
            throw ValidationError("--strict-protocol applies to --engine-command engines only")
        }
    }

    func run() async throws {
        let loaded = try suite.load()
        let cases = try selection.apply(to: loaded.cases)
        var knownFailures = ExpectedFailures()
        if let expectedFailures {
            do {
                knownFailures = try ExpectedFailures.load(from: expectedFailures)
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        let caseTimeout = Duration.milliseconds(timeout * 1000)
        // Before any engine starts: from here a signal stops them rather than orphaning them.
        let interruption = Interruption()
        let processEngine = engineCommand.map { command in
            ProcessEngine(
                command: command, processes: min(jobs, max(1, cases.count)), caseTimeout: caseTimeout, maximumRestarts: maxRestarts,
                strictProtocol: strictProtocol)
        }
        let engine: any Engine = processEngine ?? ReferenceEngine()
        let description: EngineDescription
        do {
            description = try await engine.describe()
        } catch {
            printError("error: the engine could not start: \(error)")
            await processEngine?.shutdown()
            throw ExitCode(2)
        }
        let progress = ProgressLine(total: cases.count)
        let runner = SuiteRunner(engine: engine, jobs: jobs, caseTimeout: SuiteRunner.caseTimeout(for: engine, caseTimeout: caseTimeout))
        guard var report = await interruption.run({
            await runner.run(cases, description: description) { result in progress.advance(result) }
        }) else { throw ExitCode(2) }
        progress.finish()
        await processEngine?.shutdown()
        interruption.reportIfInterrupted(&report, of: cases.count)

        if let expectedFailures, updateExpectedFailures {
            knownFailures = knownFailures.updated(with: report.results)
            try write(knownFailures.rendered(), to: expectedFailures)
            printError("wrote \(knownFailures.reasons.count) expected failure(s) to \(expectedFailures)")
        }
        report.results = knownFailures.apply(to: report.results)
        for id in knownFailures.unknownIDs(in: report.results) {
            printError("warning: \(expectedFailures ?? "") lists '\(id)', which this run did not include")
        }

        let useColor = ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) != 0
        if let output {
            try write(format.reporter().render(report), to: output)
            print(ConsoleReporter(useColor: useColor).render(report), terminator: "")
        } else if format == .console {
            print(ConsoleReporter(useColor: useColor).render(report), terminator: "")
        } else {
            print(format.reporter().render(report), terminator: "")
        }
        if let code = interruption.exitCode { throw ExitCode(code) }
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
            printError("error: cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(2)
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
