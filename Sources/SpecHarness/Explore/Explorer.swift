/// Differential testing: generates cases from a seed, compares the engine with the reference on
/// each, and shrinks every disagreement to a small case that still disagrees.
package struct Explorer: Sendable {
    package var generator: CaseGenerator
    package var check: DifferentialCheck
    package var shrinker: CaseShrinker
    package var seed: UInt64
    /// Tells this run's ids and files from another run's with the same seed, so reproducers of
    /// two runs (of two engines, or before and after a fix) never share an id in `specs/`.
    package var runLabel: String

    /// - Parameter runLabel: drawn at random unless given; lowercase letters and digits only.
    package init(
        generator: CaseGenerator, check: DifferentialCheck, shrinker: CaseShrinker = CaseShrinker(), seed: UInt64,
        runLabel: String = Explorer.newRunLabel()
    ) {
        self.generator = generator
        self.check = check
        self.shrinker = shrinker
        self.seed = seed
        self.runLabel = runLabel
    }

    /// Eight random hex digits.
    package static func newRunLabel() -> String {
        let value = UInt32.random(in: 0...UInt32.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// A disagreement, before and after shrinking.
    package struct Finding: Sendable {
        package var caseNumber: Int
        package var original: ExploreCase
        package var originalMismatches: [Mismatch]
        package var shrunk: ExploreCase
        /// The shrunk case as the reference saw it, with its expectation.
        package var shrunkCase: SpecCase
        package var shrunkMismatches: [Mismatch]
        /// `success`, or the error kind the reference reported.
        package var referenceOutcome: String
        package var shrinkAttempts: Int
        package var shrinkSteps: Int
    }

    package enum CaseOutcome: Sendable {
        case agreed
        case disagreed(Finding)
        case errored(EngineFailure)
        case skipped(String)
    }

    /// The id every report and written file uses for case `number` of this run.
    package func caseID(_ number: Int) -> String {
        "explore/seed-\(seed)-case-\(number)-run-\(runLabel)"
    }

    /// The file name of case `number`'s reproducer, unique to this run as its id is.
    package func reproducerFileName(_ number: Int) -> String {
        "explore-seed-\(seed)-case-\(number)-run-\(runLabel).yaml"
    }

    package func generate(_ number: Int) -> ExploreCase {
        generator.generate(seed: seed, caseNumber: number)
    }

    /// Runs case `number`; a disagreement is shrunk before it is returned.
    package func explore(caseNumber number: Int) async -> CaseOutcome {
        await outcome(of: judge(prepare(number), number: number))
    }

    /// Case `number` compared, not yet shrunk.
    struct Judged: Sendable {
        var number: Int
        /// Kept only when the engine disagreed: the case to shrink.
        var generated: ExploreCase?
        var verdict: DifferentialCheck.Verdict
        var referenceOutcome: String
    }

    /// Case `number` as a task of ``explore(from:through:concurrently:engineRunsConcurrently:startsAnother:handle:)``
    /// leaves it: run on the engine, or (when the engine takes one case at a time, in order)
    /// only on the reference.
    enum Stage: Sendable {
        case prepared(Int, DifferentialCheck.Prepared)
        case judged(Judged)

        var number: Int {
            switch self {
            case .prepared(let number, _): return number
            case .judged(let judged): return judged.number
            }
        }
    }

    /// - Parameter generated: case `number`, when it was generated already.
    func prepare(_ number: Int, generated: ExploreCase? = nil) async -> DifferentialCheck.Prepared {
        await check.prepare(generated ?? generate(number), id: caseID(number))
    }

    func judge(_ prepared: DifferentialCheck.Prepared, number: Int) async -> Judged {
        let result = await check.judge(prepared, wholeSpecCase: false)
        var disagreed = false
        if case .disagreed = result.verdict { disagreed = true }
        return Judged(
            number: number, generated: disagreed ? prepared.generated : nil, verdict: result.verdict,
            referenceOutcome: result.referenceOutcome)
    }

    func outcome(of judged: Judged) async -> CaseOutcome {
        switch judged.verdict {
        case .agreed:
            return .agreed
        case .errored(let failure):
            return .errored(failure)
        case .skipped(let reason):
            return .skipped(reason)
        case .disagreed(let mismatches):
            guard let generated = judged.generated else { return .errored(EngineFailure(.other, "a disagreement lost its case")) }
            return .disagreed(await shrink(generated, number: judged.number, mismatches: mismatches, referenceOutcome: judged.referenceOutcome))
        }
    }

    /// How many cases ``explore(from:through:concurrently:engineRunsConcurrently:startsAnother:handle:)``
    /// works on at once by default: enough that the reference's runs overlap with the engine's
    /// and, for an engine that takes several cases at once, that the fns' sleeps (a fraction of
    /// a millisecond in most cases, up to 60 ms in a few) overlap with other cases' work.
    package static let defaultConcurrency = 32
    /// How far past the oldest unfinished case an engine that takes several cases at once may
    /// be given new ones: a case that sleeps for a timeout does not stall the others, and what
    /// waits for it stays small.
    static let lookahead = 2048
    /// How far past the next case in turn an engine that takes several cases at once is given
    /// the cases that sleep: cases are generated this far ahead, and one whose fns sleep at
    /// least `earlySleepMilliseconds` starts at once; the others wait for their turn, generated.
    /// A sleep then overlaps with the cases before it instead of outlasting them: started in
    /// turn, the last long sleeper of a run (120 ms for the timeout clock's, about a thousand
    /// cases' work on two cores) kept the run waiting after every other case was done.
    static let sleeperScanAhead = 1024
    static let earlySleepMilliseconds = 5.0
    /// How many cases each start of more cases generates ahead: more than the one that starts
    /// in turn, so the scan gets ahead, but few, so the first cases are not held up.
    static let sleeperScanStep = 4

    /// Explores cases `first...last` (while `startsAnother` allows another to start), up to
    /// `width` of them at once, and hands each outcome to `handle` in case order, as one after
    /// another would: the same cases, the same outcomes, the same order. A disagreement is
    /// shrunk when its turn comes, while no new case starts. Stops when `handle` returns false
    /// or the task is cancelled; cases still running are then cancelled and their outcomes dropped.
    /// - Parameter engineRunsConcurrently: true for an engine that takes several cases at once
    ///   (the in-process reference): then the cases run on it at once too, and their sleeps
    ///   overlap; a case that sleeps starts before its turn, beyond `width`
    ///   (``sleeperScanAhead``). Otherwise only the reference's side runs ahead, and the engine is given the
    ///   cases one after another in case order, each shrink before the next case, exactly as
    ///   by one case after another (an engine process takes one case at a time anyway).
    package func explore(
        from first: Int, through last: Int, concurrently width: Int = Explorer.defaultConcurrency,
        engineRunsConcurrently: Bool = false, startsAnother: () -> Bool = { true },
        handle: (Int, CaseOutcome) async -> Bool
    ) async {
        guard first <= last else { return }
        let width = max(1, width)
        let ahead = engineRunsConcurrently ? Self.lookahead : width
        await withTaskGroup(of: Stage.self) { group in
            var next = first
            var due = first
            var running = 0
            var done: [Int: Stage] = [:]
            // Cases up to `scanned` generated ahead of their turn: the sleepers started
            // already, the others kept until their turn.
            var scanned = first - 1
            var startedEarly = Set<Int>()
            var generatedAhead: [Int: ExploreCase] = [:]
            func start(_ number: Int, _ generated: ExploreCase?) {
                group.addTask {
                    let prepared = await prepare(number, generated: generated)
                    guard engineRunsConcurrently else { return .prepared(number, prepared) }
                    return .judged(await judge(prepared, number: number))
                }
                running += 1
            }
            func startSleepersEarly() {
                guard engineRunsConcurrently else { return }
                var step = 0
                while step < Self.sleeperScanStep && scanned < last && scanned + 1 < next + Self.sleeperScanAhead
                    && scanned + 1 < due + ahead && !Task.isCancelled && startsAnother() {
                    scanned += 1
                    step += 1
                    guard scanned >= next else { continue }
                    let generated = generate(scanned)
                    if generated.leastSleepMilliseconds >= Self.earlySleepMilliseconds {
                        startedEarly.insert(scanned)
                        start(scanned, generated)
                    } else {
                        generatedAhead[scanned] = generated
                    }
                }
            }
            func startMore() {
                startSleepersEarly()
                while running < width && next <= last && next - due < ahead && !Task.isCancelled && startsAnother() {
                    let number = next
                    next += 1
                    if startedEarly.remove(number) != nil { continue }
                    start(number, generatedAhead.removeValue(forKey: number))
                }
            }
            startMore()
            while due < next {
                if let stage = done.removeValue(forKey: due) {
                    let judged: Judged
                    switch stage {
                    case .judged(let already): judged = already
                    case .prepared(let number, let prepared): judged = await judge(prepared, number: number)
                    }
                    let shrunk = await outcome(of: judged)
                    // A signal cut this case off: its outcome says nothing about the engine.
                    if Task.isCancelled { break }
                    due += 1
                    guard await handle(judged.number, shrunk) else { break }
                    startMore()
                    continue
                }
                guard let stage = await group.next() else { break }
                running -= 1
                done[stage.number] = stage
                startMore()
            }
            group.cancelAll()
        }
    }

    /// Shrinks while the engine still disagrees and the reference still ends the same way
    /// (success, or the same error kind), so a wrong gradient never shrinks into another bug.
    func shrink(_ generated: ExploreCase, number: Int, mismatches: [Mismatch], referenceOutcome: String) async -> Finding {
        let id = caseID(number)
        let check = check
        let outcome = await shrinker.shrink(generated) { candidate in
            let result = await check.compare(candidate, id: id, wholeSpecCase: false)
            guard case .disagreed = result.verdict else { return false }
            return result.referenceOutcome == referenceOutcome
        }
        let final = await check.compare(outcome.shrunk, id: id)
        var finalMismatches = mismatches
        if case .disagreed(let found) = final.verdict { finalMismatches = found }
        return Finding(
            caseNumber: number, original: generated, originalMismatches: mismatches, shrunk: outcome.shrunk,
            shrunkCase: final.specCase, shrunkMismatches: finalMismatches, referenceOutcome: referenceOutcome,
            shrinkAttempts: outcome.attempts, shrinkSteps: outcome.steps)
    }

    /// The reproducer as a spec file for `specs/`, its numbers marked as the reference's.
    package func reproducerFile(_ finding: Finding, fileName: String, engineDescription: String) -> String {
        let id = caseID(finding.caseNumber)
        let original = finding.original
        let shrunk = finding.shrunk
        let header = [
            "Found by explore, seed \(seed), case \(finding.caseNumber) (replaying that case of that seed shows it again),",
            "against \(engineDescription).",
            "Shrunk in \(finding.shrinkSteps) steps (\(finding.shrinkAttempts) candidates) from \(original.datums.count) datum(s) and "
                + "\(original.call.regularizers.count) regularizer(s) to \(shrunk.datums.count) and \(shrunk.call.regularizers.count).",
            "The engine disagreed with the reference:",
        ] + finding.shrunkMismatches.prefix(8).map { "  \($0.description.replacingAll("\n", with: " "))" } + [
            "",
            "The expected values were taken from the Swift reference (regspec's in-process engine),",
            "not derived independently. Before this case ships in specs/, recheck them with the oracle:",
            "  python3 tools/oracle/oracle.py show specs/\(fileName) \(id)",
            "  python3 tools/oracle/oracle.py check specs/\(fileName)",
            "then give the case a lasting id and summary, and say in its comment how its numbers were derived.",
        ]
        let entry = SpecCaseWriter.Entry(
            id: id, summary: "explore seed \(seed) case \(finding.caseNumber), shrunk: the reference gives \(finding.referenceOutcome)",
            comment: ["Expected values: the Swift reference's; recheck with tools/oracle before shipping."],
            generated: shrunk, specCase: finding.shrunkCase)
        return SpecCaseWriter().file(
            suite: "explore", summary: "A disagreement found by regspec explore, shrunk.", header: header, entries: [entry])
    }
}
