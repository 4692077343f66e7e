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
        let generated = generate(number)
        let result = await check.compare(generated, id: caseID(number))
        switch result.verdict {
        case .agreed:
            return .agreed
        case .errored(let failure):
            return .errored(failure)
        case .skipped(let reason):
            return .skipped(reason)
        case .disagreed(let mismatches):
            return .disagreed(await shrink(generated, number: number, mismatches: mismatches, referenceOutcome: result.referenceOutcome))
        }
    }

    /// Shrinks while the engine still disagrees and the reference still ends the same way
    /// (success, or the same error kind), so a wrong gradient never shrinks into another bug.
    func shrink(_ generated: ExploreCase, number: Int, mismatches: [Mismatch], referenceOutcome: String) async -> Finding {
        let id = caseID(number)
        let check = check
        let outcome = await shrinker.shrink(generated) { candidate in
            let result = await check.compare(candidate, id: id)
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
