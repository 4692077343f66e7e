import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReferenceEngine
import SpecHarness

struct ExploreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Differential testing: random calls, engine against the reference, disagreements shrunk to spec cases.",
        discussion: """
            Generates random calls from a seed (valid ones, and at --invalid-rate invalid ones, one error kind at a time), \
            runs each on the engine and on the in-process reference, and judges the engine by the reference's observation \
            with the checker and invariants of `regspec run`. Each disagreement is shrunk to a small case that still \
            disagrees and written to --out as a spec file for specs/ (its expected values are the reference's; recheck \
            them with tools/oracle before shipping). The same seed gives the same cases. See docs/explore.md.

            Closing line: `N passed, N failed, N errored, N skipped` (agreements, disagreements, engine breakdowns). \
            Exit codes: 0 no disagreement, 1 a disagreement or an engine error, 2 a usage error; on SIGINT, SIGTERM or \
            SIGHUP the case running is dropped, the engine killed, the reproducers written kept, and the exit code is \
            128 + the signal (130, 143, 129).

            Examples:
              regspec explore --engine-command "python3 -m regspec_adapter --client my_pkg:Client" --cases 1000
              regspec explore --engine-command "$(pwd)/.build/release/regspec serve" --seed 7 --time 60
              regspec explore --engine-command "..." --seed 7 --replay 412
              regspec explore --export generated --cases 500    # reference only, for tools/oracle
            """)

    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "The seed; the same seed gives the same cases. Default: drawn at random and printed.")
    var seed: UInt64?

    @Option(help: "How many cases to generate (default 1000 unless --time is given).")
    var cases: Int?

    @Option(help: ArgumentHelp("Stop generating after this many seconds.", valueName: "seconds"))
    var time: Double?

    @Option(help: ArgumentHelp("Run only generated case N of the seed again (no shrinking unless it disagrees).", valueName: "N"))
    var replay: Int?

    @Option(help: ArgumentHelp("Where shrunk reproducers are written as spec files.", valueName: "dir"))
    var out: String = "explore-findings"

    @Option(help: "The share of generated calls that are invalid on purpose (0 to 1).")
    var invalidRate: Double = 0.2

    @Option(help: "Stop after this many disagreements (0: never stop early).")
    var maxDisagreements: Int = 1

    @Option(help: "At most this many candidate cases are run while shrinking one disagreement.")
    var maxShrinkAttempts: Int = 4000

    @Flag(help: "Judge the engine as one that announces float64: with the suite's tolerance, not one float32 arithmetic can meet.")
    var assumeFloat64 = false

    @Option(help: ArgumentHelp(
        "How many engine processes run cases at once (at most 4 per processor core).",
        discussion: "Each process gets one case at a time; outcomes, console and reproducers stay in case order. With 1 (the default) the engine gets the cases one after another, each shrink before the next case."))
    var jobs: Int = 1

    @Option(help: ArgumentHelp(
        "Write the generated cases, with the reference's observations as expectations, as spec files in this folder instead of comparing an engine.",
        discussion: "For checking the generator and the reference against tools/oracle: `python3 tools/oracle/oracle.py check DIR`.",
        valueName: "dir"))
    var export: String?

    func validate() throws {
        if engineOptions.engineCommand == nil && export == nil {
            throw ValidationError("give --engine-command CMD (the engine to compare with the reference), or --export DIR")
        }
        if engineOptions.engineCommand != nil && export != nil { throw ValidationError("--export runs the reference only; leave out --engine-command") }
        if cases != nil && time != nil { throw ValidationError("give --cases or --time, not both") }
        if let cases, cases < 1 { throw ValidationError("--cases must be at least 1") }
        if let time, !(time > 0 && time <= 86_400) { throw ValidationError("--time must be a number of seconds above 0, at most 86400") }
        if let replay, replay < 1 { throw ValidationError("--replay takes a case number from 1 on") }
        if replay != nil && (cases != nil || time != nil) { throw ValidationError("--replay runs one case; leave out --cases and --time") }
        if export != nil && (time != nil || replay != nil) { throw ValidationError("--export takes --cases N") }
        if !(0...1).contains(invalidRate) { throw ValidationError("--invalid-rate must be between 0 and 1") }
        guard maxDisagreements >= 0 else { throw ValidationError("--max-disagreements must not be negative") }
        guard maxShrinkAttempts >= 0 else { throw ValidationError("--max-shrink-attempts must not be negative") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if export != nil && jobs != 1 { throw ValidationError("--export runs the reference only; leave out --jobs") }
    }

    /// The engine processes: the jobs asked for, but no more than a few per processor core.
    private var usableJobs: Int { SuiteRunner.usableJobs(requested: jobs, cases: Int.max) }

    func run() async throws {
        let seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        // Before the work: a finding must not be lost to a folder that cannot take it.
        try SessionMessages.exitOnError { try OutputFolder.check(export ?? out) }
        if let export { return try await exportCases(seed: seed, to: export) }
        if usableJobs < jobs {
            printError("note: --jobs \(jobs) lowered to \(usableJobs): at most \(SuiteRunner.jobsPerProcessor) per processor core")
        }
        guard let engine = engineOptions.processEngine(processes: usableJobs) else { throw ExitCode(2) }
        let session = ExploreSession(options: sessionOptions(seed: seed))
        // Before the engine starts: from here a signal stops it rather than orphaning it.
        let interruption = Interruption()
        // The session owns the engine: shut down on every path (a failed reproducer write, a signal).
        let tally = try await SessionMessages.exitOnEngineFailure(interruption) {
            do {
                return try await interruption.run { try await session.run(on: engine, reference: ReferenceEngine()) { show($0, seed: seed) } }
            } catch ExploreSession.Failure.cannotWriteReproducer(let path, let reason) {
                printError("error: cannot write \(TextEscaping.oneLine(path)): \(reason)")
                throw ExitCode(2)
            }
        }
        let name = tally.engine.map(ExploreSession.engineName) ?? "engine"
        say("\(name), seed \(seed): \(counted(tally.tried, "case")) in \(PrintfFormat.string("%.1f", seconds(tally.elapsed))) s (\(rate(tally.tried, tally.elapsed)) cases/s)")
        if tally.skipped > 0 { say("explore: \(tally.skipped) case(s) skipped") }
        say("\(tally.agreed) passed, \(tally.disagreed) failed, \(tally.errored) errored, \(tally.skipped) skipped")
        if let name = interruption.signalName, let code = interruption.exitCode {
            printError("interrupted by \(name) after \(counted(tally.tried, "case")); a case it cut off is not counted, the reproducers written are kept")
            throw ExitCode(code)
        }
        if tally.disagreed + tally.errored > 0 { throw ExitCode(1) }
    }

    private func sessionOptions(seed: UInt64) -> ExploreSession.Options {
        var options = ExploreSession.Options(seed: seed, reproducerFolder: out)
        options.caseLimit = cases
        options.timeLimit = time.map { .milliseconds($0 * 1000) }
        options.replay = replay
        options.invalidRate = invalidRate
        options.maximumDisagreements = maxDisagreements
        options.maximumShrinkAttempts = maxShrinkAttempts
        options.assumesFloat64 = assumeFloat64
        // Several processes take several cases at once; one takes them in case order.
        options.engineRunsConcurrently = usableJobs > 1
        return options
    }

    /// Prints what the session tells, as it happens.
    private func show(_ event: ExploreSession.Event, seed: UInt64) {
        switch event {
        case .started(let description, let errorKindsGenerated):
            say("explore: seed \(seed), \(ExploreSession.engineName(description)), capabilities \(TextEscaping.consoleLine(description.capabilities.listed))")
            if !errorKindsGenerated { say("explore: the engine does not announce error_kinds; only valid calls are generated") }
        case .errored(let number, let id, let failure):
            say("ERROR case \(number) (\(id)): \(TextEscaping.console(failure.description))")
            say("  replay: \(replayCommand(number, seed: seed))")
        case .disagreed(let finding, let id, let elapsed):
            report(finding, id: id, elapsed: elapsed)
        case .reproducerWritten(let number, let path):
            say("  reproducer: \(TextEscaping.oneLine(path))")
            say("  replay: \(replayCommand(number, seed: seed))")
        case .progress(let tally):
            printError("explore: \(counted(tally.tried, "case")), \(counted(tally.disagreed, "disagreement")), \(tally.errored) errored, \(rate(tally.tried, tally.elapsed)) cases/s")
        case .stoppedAtDisagreements(let count):
            say("explore: stopping after \(count) disagreement(s) (--max-disagreements \(maxDisagreements))")
        }
    }

    private func report(_ finding: Explorer.Finding, id: String, elapsed: Duration) {
        let number = finding.caseNumber
        say("DISAGREE case \(number) (\(id)), after \(number) case(s), \(PrintfFormat.string("%.1f", seconds(elapsed))) s; the reference gives \(TextEscaping.consoleLine(finding.referenceOutcome))")
        for mismatch in finding.originalMismatches.prefix(5) { say("  \(TextEscaping.console(mismatch.description))") }
        let shrunk = finding.shrunk
        say("  shrunk in \(finding.shrinkSteps) steps (\(finding.shrinkAttempts) candidates): \(finding.original.datums.count) -> \(shrunk.datums.count) datum(s), "
            + "\(finding.original.call.regularizers.count) -> \(shrunk.call.regularizers.count) regularizer(s), "
            + "\(finding.original.datums.map(\.positions).reduce(0, +)) -> \(shrunk.datums.map(\.positions).reduce(0, +)) position(s)")
        for mismatch in finding.shrunkMismatches.prefix(5) { say("  shrunk: \(TextEscaping.console(mismatch.description))") }
    }

    private func exportCases(seed: UInt64, to directory: String) async throws {
        let count = cases ?? 1000
        let generator = CaseGenerator(capabilities: Set(Capability.all), invalidRate: invalidRate)
        let explorer = Explorer(generator: generator, check: DifferentialCheck(reference: ReferenceEngine(), engine: ReferenceEngine()), seed: seed)
        let perFile = 500
        var written = 0
        for first in stride(from: 1, through: count, by: perFile) {
            var entries: [SpecCaseWriter.Entry] = []
            for number in first..<min(first + perFile, count + 1) {
                let generated = explorer.generate(number)
                let result = await explorer.check.compare(generated, id: explorer.caseID(number))
                entries.append(SpecCaseWriter.Entry(
                    id: explorer.caseID(number), summary: "generated case \(number) (\(generated.intent))",
                    comment: [], generated: generated, specCase: result.specCase))
            }
            let fileName = "explore-seed-\(seed)-\(first)-\(first + entries.count - 1).yaml"
            let text = SpecCaseWriter().file(
                suite: "explore", summary: "Generated by regspec explore --seed \(seed) --export.",
                header: ["Generated by `regspec explore --seed \(seed) --export`; the expected values are the Swift reference's,",
                         "for `python3 tools/oracle/oracle.py check` to recompute independently. Not for specs/ as they are."],
                entries: entries)
            try write(text, to: LexicalPath(directory).appending(fileName).text)
            written += entries.count
        }
        say("explore: wrote \(written) generated case(s) of seed \(seed) to \(TextEscaping.oneLine(directory))")
    }

    private func rate(_ count: Int, _ elapsed: Duration) -> String {
        PrintfFormat.string("%.1f", Double(count) / max(seconds(elapsed), 1e-9))
    }

    private func write(_ text: String, to path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: LexicalPath(path).parent.text, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            printError("error: cannot write \(TextEscaping.oneLine(path)): \(SystemReason.of(error))")
            throw ExitCode(2)
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) * 1e-18
    }

    /// Standard output, unbuffered, so results and the progress lines on stderr interleave in order.
    private func say(_ line: String) {
        writeUnbuffered(line + "\n", to: STDOUT_FILENO)
    }
}
