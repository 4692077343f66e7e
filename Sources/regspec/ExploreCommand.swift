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

    @Option(help: ArgumentHelp(
        "The engine under test, behind the JSON-lines protocol (docs/protocol.md), run through /bin/sh.",
        valueName: "command"))
    var engineCommand: String?

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

    @Option(help: ArgumentHelp("Seconds one case may take on the engine before it is errored.", valueName: "seconds"))
    var timeout: Double = 30

    @Flag(help: "Judge the engine as one that announces float64: with the suite's tolerance, not one float32 arithmetic can meet.")
    var assumeFloat64 = false

    @Option(help: ArgumentHelp(
        "Write the generated cases, with the reference's observations as expectations, as spec files in this folder instead of comparing an engine.",
        discussion: "For checking the generator and the reference against tools/oracle: `python3 tools/oracle/oracle.py check DIR`.",
        valueName: "dir"))
    var export: String?

    func validate() throws {
        if engineCommand == nil && export == nil {
            throw ValidationError("give --engine-command CMD (the engine to compare with the reference), or --export DIR")
        }
        if engineCommand != nil && export != nil { throw ValidationError("--export runs the reference only; leave out --engine-command") }
        if cases != nil && time != nil { throw ValidationError("give --cases or --time, not both") }
        if let cases, cases < 1 { throw ValidationError("--cases must be at least 1") }
        if let time, !(time > 0 && time <= 86_400) { throw ValidationError("--time must be a number of seconds above 0, at most 86400") }
        if let replay, replay < 1 { throw ValidationError("--replay takes a case number from 1 on") }
        if replay != nil && (cases != nil || time != nil) { throw ValidationError("--replay runs one case; leave out --cases and --time") }
        if export != nil && (time != nil || replay != nil) { throw ValidationError("--export takes --cases N") }
        if !(0...1).contains(invalidRate) { throw ValidationError("--invalid-rate must be between 0 and 1") }
        guard maxDisagreements >= 0 else { throw ValidationError("--max-disagreements must not be negative") }
        guard maxShrinkAttempts >= 0 else { throw ValidationError("--max-shrink-attempts must not be negative") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be a number of seconds above 0, at most 86400") }
    }

    func run() async throws {
        let seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        // Before the work: a finding must not be lost to a folder that cannot take it.
        do {
            try OutputFolder.check(export ?? out)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        if let export {
            try await exportCases(seed: seed, to: export)
            return
        }
        guard let engineCommand else { throw ExitCode(2) }
        // Before the engine starts: from here a signal stops it rather than orphaning it.
        let interruption = Interruption()
        let engine = ProcessEngine(command: engineCommand, caseTimeout: .milliseconds(timeout * 1000))
        let command = self
        // The engine lives exactly as long as this scope: shut down on every path (a failed
        // reproducer write, a signal), never left running.
        let tally = try await interruption.run {
            try await withEngine(engine) { engine in
                try await command.explore(with: engine, seed: seed, interruption: interruption)
            }
        }
        say("\(tally.engineName), seed \(seed): \(counted(tally.tried, "case")) in \(PrintfFormat.string("%.1f", seconds(tally.elapsed))) s (\(rate(tally.tried, tally.elapsed)) cases/s)")
        if tally.skipped > 0 { say("explore: \(tally.skipped) case(s) skipped") }
        say("\(tally.agreed) passed, \(tally.disagreed) failed, \(tally.errored) errored, \(tally.skipped) skipped")
        if let name = interruption.signalName, let code = interruption.exitCode {
            printError("interrupted by \(name) after \(tally.tried) case(s); a case it cut off is not counted, the reproducers written are kept")
            throw ExitCode(code)
        }
        if tally.disagreed + tally.errored > 0 { throw ExitCode(1) }
    }

    /// What an exploration found, for its closing lines.
    private struct Tally: Sendable {
        var engineName = ""
        var agreed = 0
        var disagreed = 0
        var errored = 0
        var skipped = 0
        var tried = 0
        var elapsed = Duration.zero
    }

    /// Describes the engine, then generates, compares and shrinks until the limit, the time, the
    /// disagreements allowed, or cancellation (a signal: the case it cut off is not counted).
    private func explore(with engine: ProcessEngine, seed: UInt64, interruption: Interruption) async throws -> Tally {
        let description = try await interruption.describe(engine)
        let explorer = Explorer(
            generator: CaseGenerator(capabilities: description.capabilities, invalidRate: invalidRate),
            check: DifferentialCheck(reference: ReferenceEngine(), engine: engine, engineCapabilities: description.capabilities.union(assumeFloat64 ? [Capability.float64] : [])),
            shrinker: CaseShrinker(maximumAttempts: maxShrinkAttempts), seed: seed)
        var tally = Tally(engineName: "engine \(TextEscaping.consoleLine(description.name)) (\(TextEscaping.consoleLine("\(description.language) \(description.version)")))")
        say("explore: seed \(seed), \(tally.engineName), capabilities \(TextEscaping.consoleLine(description.capabilities.sorted().joined(separator: ", ")))")
        if explorer.generator.errorKinds.isEmpty {
            say("explore: the engine does not announce error_kinds; only valid calls are generated")
        }

        let clock = ContinuousClock()
        let start = clock.now
        let deadline = time.map { start + .milliseconds($0 * 1000) }
        let numbers: [Int] = replay.map { [$0] } ?? []
        let limit = replay == nil ? (cases ?? (time == nil ? 1000 : Int.max)) : 1
        var lastReport = start
        var number = 0
        while tally.tried < limit && !Task.isCancelled {
            if let deadline, clock.now >= deadline { break }
            number = numbers.first ?? (number + 1)
            let outcome = await explorer.explore(caseNumber: number)
            // A signal cut this case off: its outcome says nothing about the engine.
            if Task.isCancelled { break }
            tally.tried += 1
            switch outcome {
            case .agreed:
                tally.agreed += 1
            case .skipped:
                tally.skipped += 1
            case .errored(let message):
                tally.errored += 1
                say("ERROR case \(number) (\(explorer.caseID(number))): \(TextEscaping.console(message))")
                say("  replay: regspec explore --engine-command ... --seed \(seed) --replay \(number)")
            case .disagreed(let finding):
                tally.disagreed += 1
                try report(finding, explorer: explorer, engineName: tally.engineName, elapsed: clock.now - start)
            }
            if clock.now - lastReport >= .seconds(5) {
                lastReport = clock.now
                printProgress(tried: tally.tried, disagreed: tally.disagreed, errored: tally.errored, elapsed: clock.now - start)
            }
            if maxDisagreements > 0 && tally.disagreed >= maxDisagreements && replay == nil {
                say("explore: stopping after \(tally.disagreed) disagreement(s) (--max-disagreements \(maxDisagreements))")
                break
            }
        }
        tally.elapsed = clock.now - start
        return tally
    }

    private func report(_ finding: Explorer.Finding, explorer: Explorer, engineName: String, elapsed: Duration) throws {
        let number = finding.caseNumber
        say("DISAGREE case \(number) (\(explorer.caseID(number))), after \(number) case(s), \(PrintfFormat.string("%.1f", seconds(elapsed))) s; the reference gives \(TextEscaping.consoleLine(finding.referenceOutcome))")
        for mismatch in finding.originalMismatches.prefix(5) { say("  \(TextEscaping.console(mismatch.description))") }
        let shrunk = finding.shrunk
        say("  shrunk in \(finding.shrinkSteps) steps (\(finding.shrinkAttempts) candidates): \(finding.original.datums.count) -> \(shrunk.datums.count) datum(s), "
            + "\(finding.original.call.regularizers.count) -> \(shrunk.call.regularizers.count) regularizer(s), "
            + "\(finding.original.datums.map(\.positions).reduce(0, +)) -> \(shrunk.datums.map(\.positions).reduce(0, +)) position(s)")
        for mismatch in finding.shrunkMismatches.prefix(5) { say("  shrunk: \(TextEscaping.console(mismatch.description))") }
        let fileName = explorer.reproducerFileName(number)
        let path = Self.path(fileName, in: out)
        try write(explorer.reproducerFile(finding, fileName: fileName, engineDescription: engineName), to: path)
        say("  reproducer: \(TextEscaping.oneLine(path))")
        say("  replay: regspec explore --engine-command ... --seed \(explorer.seed) --replay \(number)")
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
            try write(text, to: Self.path(fileName, in: directory))
            written += entries.count
        }
        say("explore: wrote \(written) generated case(s) of seed \(seed) to \(TextEscaping.oneLine(directory))")
    }

    private func printProgress(tried: Int, disagreed: Int, errored: Int, elapsed: Duration) {
        printError("explore: \(tried) cases, \(disagreed) disagreement(s), \(errored) errored, \(rate(tried, elapsed)) cases/s")
    }

    private func rate(_ count: Int, _ elapsed: Duration) -> String {
        PrintfFormat.string("%.1f", Double(count) / max(seconds(elapsed), 1e-9))
    }

    /// `name` in `directory`, joined as `NSString.appendingPathComponent` joins them.
    private static func path(_ name: String, in directory: String) -> String {
        if directory.isEmpty { return name }
        let base = String(directory.reversed().drop { $0 == "/" }.reversed())
        return (base.isEmpty ? "" : base) + "/" + name
    }

    /// The system's words for why a file operation failed (`strerror`), else the error itself.
    private static func reason(_ error: any Error) -> String {
        let posix = (error as? POSIXError) ?? ((error as? CocoaError)?.underlying as? POSIXError)
        if let posix { return String(cString: strerror(posix.code.rawValue)) }
        return "\(error)"
    }

    private func write(_ text: String, to path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: LexicalPath(path).parent.text, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            printError("error: cannot write \(TextEscaping.oneLine(path)): \(Self.reason(error))")
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
