import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReferenceEngine
import SpecHarness

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run spec cases against an engine and report.",
        discussion: """
            Each case ends passed, failed (the engine's result differs from the spec), errored (the \
            engine broke) or skipped (the engine lacks a capability the case needs; skips are summed up \
            by reason). The last line is `N passed, N failed, N errored, N skipped`. Exit code 0 when \
            nothing failed or errored and at least one case ran; 1 also when every case was skipped, or \
            when the engine lacks a core capability (structured, legacy, async, error_kinds, future) \
            and the run was neither narrowed (--tag, --filter, --case, --exclude-tag) nor given \
            --allow-partial-engine. A selection that matches no case is a usage error (exit 2). On SIGINT, \
            SIGTERM or SIGHUP the engines are killed, the reports of the cases that finished are written \
            marked incomplete, and the exit code is 128 + the signal (130, 143, 129).

            Examples:
              regspec run specs
              regspec run
              regspec run specs --tag checklist --report junit:reports/regspec.xml --report html:reports/regspec.html
              regspec run specs --case composition/nll-plus-two-sync
            """)

    @OptionGroup var suite: SuiteOptions
    @OptionGroup var selection: SelectionOptions

    @OptionGroup var reporting: ReportOptions

    @Option(help: "How many cases run at once (at most one per case and 4 per processor core).")
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

    @Flag(help: ArgumentHelp(
        "Test an engine that lacks core capabilities: skip the cases it cannot run instead of failing the run.",
        discussion: "Without it, an engine lacking structured, legacy, async, error_kinds or future is not conforming and the run exits 1 (unless narrowed with --tag, --filter, --case or --exclude-tag)."))
    var allowPartialEngine = false

    @Flag(help: "Rewrite the --expected-failures file to list exactly the cases that fail now, keeping known reasons.")
    var updateExpectedFailures = false

    @Option(help: ArgumentHelp("The engine's name in reports and comparison tables (default: the name the engine gives).", valueName: "name"))
    var engineName: String?

    @Flag(name: [.customShort("x"), .customLong("exitfirst")], help: "Stop after the first case that fails or errors.")
    var exitFirst = false

    @Option(help: ArgumentHelp("Stop after this many cases failed or errored.", valueName: "n"))
    var maxFail: Int?

    @Option(help: ArgumentHelp(
        "Run only the cases that failed or errored in this saved JSON report (all selected cases when none did).",
        valueName: "report.json"))
    var rerunFailed: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be a number of seconds above 0, at most 86400") }
        guard maxRestarts >= 0 else { throw ValidationError("--max-restarts must not be negative") }
        if updateExpectedFailures && expectedFailures == nil {
            throw ValidationError("--update-expected-failures needs --expected-failures FILE")
        }
        if let maxFail, maxFail < 1 { throw ValidationError("--max-fail must be at least 1") }
        if engineCommand == nil && strictProtocol {
            throw ValidationError("--strict-protocol applies to --engine-command engines only")
        }
    }

    func run() async throws {
        let startedAt = Date()
        let clock = ContinuousClock()
        let begin = clock.now
        let loaded = SpecLoader(fixturesDirectory: suite.fixtures).load(paths: try suite.resolvedPaths)
        var context = ReportContext(engineLabel: engineName, engineCommand: engineCommand, selection: selection.record, startedAt: startedAt)
        for warning in loaded.warnings { printError(warning.description) }
        guard loaded.diagnostics.isEmpty else {
            try reportBrokenSuite(loaded, context: context)
        }
        var cases = try selection.apply(to: loaded.cases)
        context.selection = selection.record(of: loaded.cases)
        if let rerunFailed { cases = try onlyFailed(in: rerunFailed, from: cases, of: loaded) }
        for warning in SpecLint.warnings(for: cases) { printError(warning.description) }
        var knownFailures = ExpectedFailures()
        if let expectedFailures {
            do {
                knownFailures = try ExpectedFailures.load(from: expectedFailures)
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        let stream: CaseStream
        do {
            stream = try CaseStream(reporting.requests, suite: loaded, knownFailures: knownFailures)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        defer { stream.finish() }
        let caseTimeout = Duration.milliseconds(timeout * 1000)
        let engines = SuiteRunner.usableJobs(requested: jobs, cases: cases.count)
        if engines < jobs {
            printError("note: --jobs \(jobs) lowered to \(engines): \(SuiteRunner.jobsLimitReason(cases: cases.count))")
        }
        // Before any engine starts: from here a signal stops them rather than orphaning them.
        let interruption = Interruption()
        let engine: any Engine = engineCommand.map { command in
            ProcessEngine(
                command: command, processes: engines, caseTimeout: caseTimeout, maximumRestarts: maxRestarts,
                strictProtocol: strictProtocol)
        } ?? ReferenceEngine()
        let progress = ProgressLine(total: cases.count)
        let live = LiveConsole(
            console: reporting.console, enabled: reporting.consoleOnStdout, knownFailures: knownFailures,
            maximumFailures: exitFirst ? 1 : maxFail)
        let policy = RunVerdict.Policy(allowsPartialEngine: allowPartialEngine, selectionNarrowed: selection.narrowsRun)
        let selected = cases
        // The engine lives exactly as long as this scope: shut down on every path, a signal included.
        var report = try await interruption.run {
            try await withEngine(engine) { engine in
                let description = try await interruption.describe(engine)
                let runner = SuiteRunner(
                    engine: engine, jobs: engines, caseTimeout: SuiteRunner.caseTimeout(for: engine, caseTimeout: caseTimeout), policy: policy)
                return await runner.run(
                    selected, description: description,
                    progress: { result in
                        progress.clear()
                        live.show(result)
                        stream.send(result)
                        progress.advance(result)
                    },
                    shouldStop: { live.limitReached })
            }
        }
        progress.finish()
        interruption.reportIfInterrupted(&report, of: cases.count)

        if let expectedFailures, updateExpectedFailures {
            knownFailures = knownFailures.updated(with: report.results)
            do {
                try ReportFile.write(knownFailures.rendered(), to: expectedFailures)
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            printError("wrote \(knownFailures.reasons.count) expected failure(s) to \(TextEscaping.oneLine(expectedFailures))")
        }
        report.results = knownFailures.apply(to: report.results)
        for id in knownFailures.unknownIDs(in: report.results) {
            printError("warning: \(TextEscaping.oneLine(expectedFailures ?? "")) lists \(UserText.quoted(id)), which this run did not include")
        }
        if live.limitReached && report.results.count < cases.count {
            printError("stopped after \(live.failureCount) failed or errored case(s); \(cases.count - report.results.count) case(s) not run")
        }
        var reportContext = context
        reportContext.incomplete = report.incomplete
        let document = ReportDocument(run: report, suite: loaded, context: reportContext, duration: clock.now - begin)
        guard reporting.emit(document, casesPrinted: reporting.consoleOnStdout, casesStreamed: stream.isActive) else { throw ExitCode(2) }
        if let code = interruption.exitCode { throw ExitCode(code) }
        if !document.succeeded { throw ExitCode(1) }
    }

    /// Prints the spec-file problems, writes every report with them (JUnit: one error), exits 2.
    private func reportBrokenSuite(_ loaded: LoadedSuite, context: ReportContext) throws -> Never {
        for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
        printError("\(loaded.diagnostics.count) problem(s) in the spec files; nothing was run. `regspec validate` lists them too.")
        let engine = engineCommand.map { EngineIdentity(label: engineName ?? $0, name: "not started", language: "", version: "", capabilities: [], command: $0) }
            ?? EngineIdentity(ReferenceEngine.description, label: engineName)
        let document = ReportDocument(problems: loaded.diagnostics, suite: loaded, context: context, engine: engine)
        _ = reporting.emit(document, casesPrinted: false)
        throw ExitCode(2)
    }

    /// The cases of `cases` that failed or errored in a saved report (pytest's --lf).
    private func onlyFailed(in path: String, from cases: [SpecCase], of loaded: LoadedSuite) throws -> [SpecCase] {
        let saved: ReportDocument
        do {
            saved = try ReportDocument.read(from: path)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        // Another suite's ids could name other cases, or none: only the same suite's report says what failed.
        let suiteHash = SuiteIdentity(loaded).contentHash
        guard saved.suite.contentHash == suiteHash else {
            printError(
                "error: \(path) is a report of another suite (suite \(saved.suite.version), content hash \(saved.suite.contentHash.isEmpty ? "none" : saved.suite.contentHash)); "
                    + "these spec files have content hash \(suiteHash). Rerun the whole suite, or pass the report of a run of these files")
            throw ExitCode(2)
        }
        let failed = Set(saved.cases.filter { [.failed, .errored, .xpassed].contains($0.status) }.map(\.id))
        guard !failed.isEmpty else {
            printError("\(TextEscaping.oneLine(path)) has no failed or errored case; running every selected case")
            return cases
        }
        let rerun = cases.filter { failed.contains($0.id) }
        guard !rerun.isEmpty else {
            // A selection that matches no case is a usage error (exit 2), as for --case and --filter.
            printError("error: none of the \(failed.count) case(s) that failed or errored in \(TextEscaping.oneLine(path)) is among the selected cases")
            throw ExitCode(2)
        }
        printError("rerunning \(rerun.count) case(s) that failed or errored in \(TextEscaping.oneLine(path))")
        return rerun
    }
}

