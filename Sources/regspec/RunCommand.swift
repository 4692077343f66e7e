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

    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "How many cases run at once (at most one per case and 4 per processor core).")
    var jobs: Int = 1

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
        if updateExpectedFailures && expectedFailures == nil {
            throw ValidationError("--update-expected-failures needs --expected-failures FILE")
        }
        if let maxFail, maxFail < 1 { throw ValidationError("--max-fail must be at least 1") }
    }

    func run() async throws {
        let startedAt = Date()
        let loaded = try load(startedAt: startedAt)
        let session = try session(of: loaded, startedAt: startedAt)
        let stream = try SessionMessages.exitOnError { try CaseStream(reporting.requests, suite: loaded, knownFailures: session.options.expectedFailures) }
        defer { stream.finish() }
        if let reason = session.jobsLoweredReason { printError("note: --jobs \(jobs) lowered to \(session.jobs): \(reason)") }
        // Before any engine starts: from here a signal stops them rather than orphaning them.
        let interruption = Interruption()
        let engine = engineOptions.engine(processes: session.jobs)
        let progress = ProgressLine(total: session.cases.count, quiet: reporting.quiet)
        let live = LiveConsole(console: reporting.console, enabled: reporting.consoleOnStdout, knownFailures: session.options.expectedFailures)
        // The engine lives exactly as long as the session: shut down on every path, a signal included.
        var outcome = try await SessionMessages.exitOnEngineFailure(interruption) {
            try await interruption.run {
                try await session.run(on: engine, started: { progress.start($0.id) }) { result in
                    progress.clear()
                    live.show(result)
                    stream.send(result)
                    progress.advance(result, failures: live.failureCount)
                }
            }
        }
        progress.finish()
        try finish(&outcome, of: session, interruption: interruption)
        guard reporting.emit(outcome.document, casesPrinted: reporting.consoleOnStdout, casesStreamed: stream.isActive) else { throw ExitCode(2) }
        if let code = interruption.exitCode { throw ExitCode(code) }
        if !outcome.document.succeeded { throw ExitCode(1) }
    }

    /// The suite, its warnings printed; broken spec files end the command (exit 2) with every report written.
    private func load(startedAt: Date) throws -> LoadedSuite {
        let loaded = SpecLoader(fixturesDirectory: suite.fixtures).load(paths: try suite.resolvedPaths)
        for warning in loaded.warnings { printError(warning.description) }
        guard loaded.diagnostics.isEmpty else { try reportBrokenSuite(loaded, startedAt: startedAt) }
        return loaded
    }

    /// The session of the selected cases, with the expected failures and the report's context.
    /// - Throws: `ExitCode(2)` after saying why, for a selection, saved report or list it cannot use.
    private func session(of loaded: LoadedSuite, startedAt: Date) throws -> RunSession {
        var cases = try selection.apply(to: loaded.cases)
        if let rerunFailed { cases = try onlyFailed(in: rerunFailed, from: cases, of: loaded) }
        for warning in SpecLint.warnings(for: cases) { printError(warning.description) }
        let context = ReportContext(
            engineLabel: engineName, engineCommand: engineOptions.engineCommand, selection: selection.record(of: loaded.cases), startedAt: startedAt)
        var options = RunSession.Options(
            jobs: jobs, caseTimeout: engineOptions.caseTimeout,
            policy: RunVerdict.Policy(allowsPartialEngine: allowPartialEngine, selectionNarrowed: selection.narrowsRun),
            maximumFailures: exitFirst ? 1 : maxFail, context: context)
        if let expectedFailures {
            options.expectedFailures = try SessionMessages.exitOnError { try ExpectedFailures.load(from: expectedFailures) }
            options.updatesExpectedFailures = updateExpectedFailures
        }
        return RunSession(suite: loaded, cases: cases, options: options)
    }

    /// Says what the finished session leaves to say, rewrites the expected failures when asked,
    /// and words the verdict for the command line.
    private func finish(_ outcome: inout RunSession.Outcome, of session: RunSession, interruption: Interruption) throws {
        outcome.document = VerdictWording.worded(outcome.document)
        if let name = interruption.signalName {
            outcome.document.incomplete = true
            printError("interrupted by \(name): \(outcome.run.results.count) of \(counted(session.cases.count, "case")) ran; the reports are incomplete")
        }
        if let expectedFailures, updateExpectedFailures {
            let now = outcome.expectedFailuresNow
            try SessionMessages.exitOnError { try ReportFile.write(now.rendered(), to: expectedFailures) }
            printError("wrote \(now.reasons.count) expected failure(s) to \(TextEscaping.oneLine(expectedFailures))")
        }
        for id in outcome.unlistedExpectedFailures {
            printError("warning: \(TextEscaping.oneLine(expectedFailures ?? "")) lists \(UserText.quoted(id)), which this run did not include")
        }
        if let failed = outcome.stoppedAfterFailures {
            printError("stopped after \(failed) failed or errored case(s); \(session.cases.count - outcome.run.results.count) case(s) not run")
        }
    }

    /// Prints the spec-file problems, writes every report with them (JUnit: one error), exits 2.
    private func reportBrokenSuite(_ loaded: LoadedSuite, startedAt: Date) throws -> Never {
        let context = ReportContext(
            engineLabel: engineName, engineCommand: engineOptions.engineCommand, selection: selection.record, startedAt: startedAt)
        for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
        printError("\(counted(loaded.diagnostics.count, "problem")) in the spec files; nothing was run. `regspec validate` lists them too.")
        let engine = engineOptions.engineCommand.map { EngineIdentity(label: engineName ?? $0, name: "not started", language: "", version: "", capabilities: [], command: $0) }
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
        let rerun: [SpecCase]
        do {
            guard let failed = try RunSession.casesToRerun(failedIn: saved, among: cases, of: loaded) else {
                printError("\(TextEscaping.oneLine(path)) has no failed or errored case; running every selected case")
                return cases
            }
            rerun = failed
        } catch .otherSuite(let version, let contentHash, let expectedHash) {
            // Another suite's ids could name other cases, or none: only the same suite's report says what failed.
            printError(
                "error: \(path) is a report of another suite (suite \(version), content hash \(contentHash.isEmpty ? "none" : contentHash)); "
                    + "these spec files have content hash \(expectedHash). Rerun the whole suite, or pass the report of a run of these files")
            throw ExitCode(2)
        } catch .noneSelected(let failed) {
            // A selection that matches no case is a usage error (exit 2), as for --case and --filter.
            printError("error: none of the \(failed) case(s) that failed or errored in \(TextEscaping.oneLine(path)) is among the selected cases")
            throw ExitCode(2)
        }
        printError("rerunning \(rerun.count) case(s) that failed or errored in \(TextEscaping.oneLine(path))")
        return rerun
    }
}

