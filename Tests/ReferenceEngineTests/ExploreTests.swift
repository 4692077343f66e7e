import Foundation
import ReferenceEngine
import Testing
import SpecTestSupport
import TinkerWire
@testable import SpecHarness

/// The reference with one fault: with two or more regularizers, the last one's contribution is
/// dropped (its value and weight are still reported, the totals and the gradient lack it).
struct ContributionDroppingEngine: Engine {
    let reference = ReferenceEngine()

    func describe() -> EngineDescription { ReferenceEngine.description }

    func run(_ input: CaseInput) async -> Observation {
        let count = input.call.regularizers.count
        guard count >= 2, let last = input.call.regularizers.last, let name = last.name, let weight = last.weight,
            weight.isFinite, last.fn != nil
        else { return await reference.run(input) }
        var dropped = input
        dropped.call.regularizers[count - 1].fields["weight"] = .value(.number(0))
        var observation = await reference.run(dropped)
        // Report the weight the caller gave, as a careless implementation would.
        if case .success(let metrics) = observation.outcome, case .object(let entries)? = metrics["regularizers"],
            case .object(let entry)? = entries[name]
        {
            var patchedEntry = entry.entries
            patchedEntry["weight"] = .number(weight)
            var patchedEntries = entries.entries
            patchedEntries[name] = .object(Metrics(patchedEntry))
            var patched = metrics.entries
            patched["regularizers"] = .object(Metrics(patchedEntries))
            observation.outcome = .success(metrics: Metrics(patched))
        }
        return observation
    }
}

@Suite struct ExploreTests {
    static let allCapabilities = Set(Capability.all)

    /// Runs cases from 1 until the first disagreement, at most `limit`.
    static func firstDisagreement(_ explorer: Explorer, limit: Int) async -> (tried: Int, finding: Explorer.Finding?) {
        for number in 1...limit {
            if case .disagreed(let finding) = await explorer.explore(caseNumber: number) { return (number, finding) }
        }
        return (limit, nil)
    }

    @Test("finds and shrinks a dropped contribution deterministically") func findsAndShrinksADroppedContributionDeterministically() async throws {
        let explorer = Explorer(
            generator: CaseGenerator(capabilities: Self.allCapabilities),
            check: DifferentialCheck(reference: ReferenceEngine(), engine: ContributionDroppingEngine()), seed: 7)
        let first = await Self.firstDisagreement(explorer, limit: 200)
        let finding = try #require(first.finding, "explore must find the dropped contribution within 200 cases")
        #expect(finding.shrunk.datums.count == 1)
        #expect(finding.shrunk.call.regularizers.count == 2, "the fault needs two regularizers, and no more")
        #expect(finding.shrunk.datums.allSatisfy { $0.positions == 1 })
        #expect(finding.shrunkMismatches.contains { $0.path.hasSuffix(".contribution") })
        #expect(finding.shrunk.size < finding.original.size)

        // The same seed finds the same case and shrinks it to the same reproducer.
        let again = await Self.firstDisagreement(explorer, limit: 200)
        #expect(again.tried == first.tried)
        let text = explorer.reproducerFile(finding, fileName: "found.yaml", engineDescription: "a faulty engine")
        let textAgain = try #require(again.finding).self
        #expect(explorer.reproducerFile(textAgain, fileName: "found.yaml", engineDescription: "a faulty engine") == text)

        // The reproducer loads as a spec file, and the faulty engine fails it under `regspec run`'s checker.
        let workspace = try SpecWorkspace()
        try workspace.write("specs/found.yaml", text)
        let suite = workspace.load("specs/found.yaml")
        #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        let loaded = try #require(suite.cases.first)
        let faulty = await ContributionDroppingEngine().run(loaded.input)
        #expect(!CaseChecker(loaded).check(faulty).isEmpty)
        let reference = await ReferenceEngine().run(loaded.input)
        #expect(CaseChecker(loaded).check(reference).isEmpty)
        #expect(text.contains("python3 tools/oracle/oracle.py show specs/found.yaml"))
    }

    /// Negative control: the reference against itself never disagrees.
    @Test("the reference agrees with itself") func theReferenceAgreesWithItself() async {
        let explorer = Explorer(
            generator: CaseGenerator(capabilities: Self.allCapabilities, invalidRate: 0.3),
            check: DifferentialCheck(reference: ReferenceEngine(), engine: ReferenceEngine()), seed: 11)
        var disagreements: [String] = []
        for number in 1...150 {
            switch await explorer.explore(caseNumber: number) {
            case .disagreed(let finding): disagreements.append("case \(number): \(finding.originalMismatches)")
            case .errored(let message): disagreements.append("case \(number) errored: \(message)")
            case .agreed, .skipped: break
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
    }

    @Test("the same seed gives the same cases") func theSameSeedGivesTheSameCases() {
        let generator = CaseGenerator(capabilities: Self.allCapabilities)
        for number in [1, 2, 50, 999] {
            let first = generator.generate(seed: 42, caseNumber: number).input(id: "x").json.serialized()
            let second = generator.generate(seed: 42, caseNumber: number).input(id: "x").json.serialized()
            #expect(first == second)
            let otherSeed = generator.generate(seed: 43, caseNumber: number).input(id: "x").json.serialized()
            #expect(first != otherSeed)
        }
    }

    @Test("only announced capabilities are generated") func onlyAnnouncedCapabilitiesAreGenerated() {
        let generator = CaseGenerator(capabilities: [Capability.structured])
        #expect(generator.errorKinds.isEmpty)
        for number in 1...300 {
            let generated = generator.generate(seed: 5, caseNumber: number)
            let input = generated.input(id: "x")
            #expect(generated.intent == "success")
            #expect(!input.call.regularizers.isEmpty, "no legacy call without `legacy`")
            let anyAsync = input.call.allFns.contains { $0.isAsync }
            #expect(!anyAsync)
            #expect(input.call.options == CallOptions())
            #expect(input.call.entryPoint == .call)
        }
    }

    @Test("valid calls are valid and spread as documented") func validCallsAreValidAndSpreadAsDocumented() {
        let generator = CaseGenerator(capabilities: Self.allCapabilities, invalidRate: 0)
        var fnNames: Set<String> = []
        var sawTopK = false
        var sawUnicodeName = false
        var sawDottedName = false
        var weights: Set<String> = []
        for number in 1...500 {
            let generated = generator.generate(seed: 9, caseNumber: number)
            #expect((1...8).contains(generated.datums.count))
            for datum in generated.datums {
                #expect((1...64).contains(datum.positions))
                #expect(datum.logprobs.allSatisfy { $0 <= 0 && $0 == Double(Float($0)) })
                sawTopK = sawTopK || datum.topK != nil
            }
            fnNames.formUnion(generated.call.allFns.map(\.name))
            for name in generated.call.regularizers.compactMap(\.name) {
                sawUnicodeName = sawUnicodeName || !name.unicodeScalars.allSatisfy(\.isASCII)
                sawDottedName = sawDottedName || name.contains(".")
            }
            for entry in generated.call.regularizers {
                if case .value(let weight)? = entry.fields["weight"] { weights.insert(weight.serialized()) }
            }
            #expect(SpecParser.problem(with: generated.call.regularizers.first ?? CaseGenerator.entry(name: "ok", weight: 1, fn: FnSpec(name: "sum")), seenNames: []) == nil)
        }
        #expect(fnNames.isSuperset(of: ["sum", "mean", "mean_of_means", "sum_of_squares", "variance", "weighted_nll", "kl_to_reference", "dpo", "reverse_kl_topk", "constant"]))
        #expect(sawTopK && sawUnicodeName && sawDottedName)
        #expect(weights.isSuperset(of: ["0", "-0.0", "1e-12", "1000000.0"].map { JSONParserRoundTrip.normalize($0) }))
    }

    /// Every error kind the generator aims at is produced by the reference at least once.
    @Test("invalid calls reach every error kind") func invalidCallsReachEveryErrorKind() async {
        let generator = CaseGenerator(capabilities: Self.allCapabilities, invalidRate: 1)
        var intents: Set<String> = []
        var outcomes: Set<String> = []
        for number in 1...400 {
            let generated = generator.generate(seed: 3, caseNumber: number)
            intents.insert(generated.intent)
            outcomes.insert(DifferentialCheck.outcomeName(await ReferenceEngine().run(generated.input(id: "x"))))
        }
        #expect(intents == Set(generator.errorKinds))
        // non_finite_gradient needs the overflow rule of semantics section 6 in the reference.
        let reached: Set<String> = ["missing_loss", "invalid_regularizer", "empty_data", "missing_target_tokens", "non_scalar_loss",
                                    "non_finite_loss", "invalid_metrics", "loss_fn_failed", "no_gradient", "timeout"]
        #expect(outcomes.isSuperset(of: reached), "missing: \(reached.subtracting(outcomes))")
    }

    @Test("shrink candidates are smaller and keep selections in range") func shrinkCandidatesAreSmallerAndKeepSelectionsInRange() {
        let generator = CaseGenerator(capabilities: Self.allCapabilities, invalidRate: 0)
        for number in 1...40 {
            let generated = generator.generate(seed: 21, caseNumber: number)
            for candidate in CaseShrinker.candidates(of: generated) {
                for fn in candidate.call.allFns {
                    #expect((fn.datums ?? []).allSatisfy { candidate.datums.indices.contains($0) })
                }
                for datum in candidate.datums where datum.targets != nil {
                    let count = datum.positions * (datum.topK ?? 1)
                    #expect(datum.logprobs.count == count && datum.targets?.count == count)
                    #expect((datum.weights?.count ?? count) == count && (datum.refLogprobs?.count ?? count) == count)
                }
            }
        }
    }

    @Test("the shrinker stops at a case no smaller candidate fails") func theShrinkerStopsAtACaseNoSmallerCandidateFails() async {
        let generator = CaseGenerator(capabilities: Self.allCapabilities, invalidRate: 0)
        let generated = generator.generate(seed: 1, caseNumber: 1)
        // Fails while some datum has 3 or more positions: the minimum is one datum of 3 positions.
        let outcome = await CaseShrinker().shrink(generated) { candidate in
            candidate.datums.contains { $0.positions >= 3 }
        }
        if generated.datums.contains(where: { $0.positions >= 3 }) {
            #expect(outcome.shrunk.datums.count == 1)
            #expect(outcome.shrunk.datums[0].positions == 3)
            #expect(outcome.shrunk.call.regularizers.count <= 1)
        }
        // A predicate nothing satisfies leaves the case as it was.
        let unchanged = await CaseShrinker().shrink(generated) { _ in false }
        #expect(unchanged.steps == 0 && unchanged.shrunk.size == generated.size)
    }

    @Test("the writer quotes names that look alike and writes portable numbers") func theWriterQuotesNamesThatLookAlikeAndWritesPortableNumbers() {
        #expect(SpecCaseWriter.string("cafe\u{301}") == "\"cafe\\u0301\"")
        #expect(SpecCaseWriter.string("café") == "\"café\"")
        #expect(SpecCaseWriter.string("kl.k3") == "\"kl.k3\"")
        #expect(SpecCaseWriter.string("l2") == "l2")
        #expect(SpecCaseWriter.string("on") == "\"on\"")
        #expect(SpecCaseWriter.number(1e-12) == "1.0e-12")
        #expect(SpecCaseWriter.number(1e16) == "1.0e+16")
        #expect(SpecCaseWriter.number(-0.0) == "-0.0")
        #expect(SpecCaseWriter.number(.nan) == ".nan")
        #expect(SpecCaseWriter.number(-.infinity) == "-.inf")
    }
}

/// Spells a JSON number the way `JSONValue.serialized()` does, for comparing weights.
enum JSONParserRoundTrip {
    static func normalize(_ text: String) -> String {
        (try? JSONParser.parse(text).serialized()) ?? text
    }
}
