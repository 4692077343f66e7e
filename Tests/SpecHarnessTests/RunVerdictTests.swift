import Testing
@testable import SpecHarness

/// A run is a pass only when something ran against an engine that conforms, or that the user
/// knowingly tested in part.
@Suite("Run verdict")
struct RunVerdictTests {
    func result(_ id: String, _ outcome: CaseResult.Outcome) -> CaseResult {
        CaseResult(caseID: id, summary: id, suite: "s", location: .start(of: "specs/s.yaml"), outcome: outcome, duration: .zero)
    }

    func engine(_ capabilities: [Capability]) -> EngineDescription {
        EngineDescription(name: "e", language: "swift", version: "1", capabilities: Set(capabilities))
    }

    @Test("nothing run is not a pass: an empty run and an all-skipped run fail, saying why")
    func nothingRan() {
        let full = engine(Capability.all)
        #expect(RunVerdict.judge([], engine: full, policy: .conformance).problems.map(\.description) == ["no case ran: none was selected"])
        let skipped = [result("a", .skipped(reason: "the engine lacks timeouts")), result("b", .skipped(reason: "the engine lacks timeouts"))]
        #expect(RunVerdict.judge(skipped, engine: full, policy: .conformance).problems.map(\.description) == ["no case ran: all 2 selected cases were skipped"])
        #expect(RunVerdict.judge(skipped + [result("c", .passed)], engine: full, policy: .conformance).passes)
    }

    /// Regression: a run interrupted before any case finished said "none was selected".
    @Test("an interrupted run that ran nothing says it was interrupted, not that nothing was selected")
    func interruptedBeforeAnything() {
        let full = engine(Capability.all)
        let interrupted = RunVerdict.judge([], engine: full, policy: .conformance, interrupted: true)
        #expect(interrupted.problems.map(\.description) == ["no case ran: the run was interrupted before any case finished"])
        let skipped = [result("a", .skipped(reason: "the engine lacks timeouts"))]
        #expect(RunVerdict.judge(skipped, engine: full, policy: .conformance, interrupted: true).problems.map(\.description)
            == ["no case ran: the 1 case(s) that finished before the interruption were skipped"])
        #expect(RunVerdict.judge([result("a", .passed)], engine: full, policy: .conformance, interrupted: true).passes)
    }

    @Test("an engine lacking a core capability is not conforming, even if every case it ran passed")
    func coreCapabilities() {
        let partial = engine(Capability.all.filter { $0 != Capability.async })
        let results = [result("a", .passed), result("b", .skipped(reason: "the engine lacks async"))]
        let verdict = RunVerdict.judge(results, engine: partial, policy: .conformance)
        #expect(!verdict.passes)
        #expect(verdict.problems == [.engineNotConforming(engine: "e", lacking: ["async"])])
        #expect(verdict.problems.first?.description.contains("engine e lacks the core capability async") == true)
        // The library names no command-line flag; the command words how to allow a partial engine.
        #expect(verdict.problems.first?.description.contains("--") == false)
        for policy in [RunVerdict.Policy(allowsPartialEngine: true), RunVerdict.Policy(selectionNarrowed: true)] {
            let allowed = RunVerdict.judge(results, engine: partial, policy: policy)
            #expect(allowed.passes)
            #expect(allowed.notes.first?.description.contains("a partial engine, not a conforming one") == true)
        }
    }

    @Test("section 12 options may be missing: their cases skip without failing the run")
    func optionalCapabilities() {
        let withoutOptions = engine(Capability.core)
        let results = [result("a", .passed), result("b", .skipped(reason: "the engine lacks grad_norms"))]
        #expect(RunVerdict.judge(results, engine: withoutOptions, policy: .conformance) == RunVerdict())
        #expect(Set(Capability.core + Capability.optional) == Set(Capability.all))
    }

    @Test("skips are summed up by reason, most frequent first")
    func skipReasons() {
        let results = [
            result("a", .skipped(reason: "the engine lacks timeouts")), result("b", .skipped(reason: "the engine lacks grad_norms")),
            result("c", .skipped(reason: "the engine lacks grad_norms")), result("d", .passed),
        ]
        let reasons = RunVerdict.skipReasons(results.compactMap { result in
            if case .skipped(let reason) = result.outcome { reason } else { nil }
        })
        #expect(reasons.map(\.reason) == ["the engine lacks grad_norms", "the engine lacks timeouts"])
        #expect(reasons.map(\.count) == [2, 1])
    }

    @Test("merged shard reports keep each engine problem once and judge again whether anything ran")
    func mergingShards() {
        let lacking = "engine e lacks the core capability async, which semantics sections 1-11 need"
        let shards = [
            RunVerdict(problems: [.stated(lacking, kind: .engineNotConforming), .nothingRan(.allSkipped(count: 1))]),
            RunVerdict(problems: [.stated(lacking, kind: .engineNotConforming)], notes: [.stated("a note")]),
            // A report of regspec 0.1 names no kinds.
            RunVerdict(statedProblems: ["no case ran: none was selected"]),
        ]
        let merged = RunVerdict.merging(shards, statuses: [.skipped, .passed])
        #expect(merged == RunVerdict(problems: [.stated(lacking, kind: .engineNotConforming)], notes: [.stated("a note")]))
        let nothing = RunVerdict.merging([RunVerdict(), RunVerdict()], statuses: [.skipped, .skipped])
        #expect(nothing.problems == [.nothingRan(.allSkipped(count: 2))])
    }

    @Test("a report carries the verdict: it is not green, and the console says why")
    func documentCarriesVerdict() {
        var report = RunReport(engine: engine(Capability.all), results: [result("a", .skipped(reason: "r"))], duration: .zero)
        report.verdict = RunVerdict.judge(report.results, engine: report.engine, policy: .conformance)
        let document = ReportDocument(report)
        #expect(!document.succeeded)
        let console = ConsoleReporter(useColor: false).render(document)
        #expect(console.contains("SKIP 1 case: r"))
        #expect(console.contains("FAILED: no case ran: the one selected case was skipped"))
        #expect(console.hasSuffix("0 passed, 0 failed, 0 errored, 1 skipped\n"))
    }
}
