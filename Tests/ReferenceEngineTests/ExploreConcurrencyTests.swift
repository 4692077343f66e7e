import Foundation
import ReferenceEngine
import Testing
import TinkerWire
@testable import SpecHarness

/// The reference, wrong on calls of exactly five datums (it reports `loss_fn_failed` for the
/// base loss), and slow by a different fraction of a millisecond per case, so that cases run
/// at once finish out of case order.
actor JitteryFiveDatumEngine: Engine {
    private let reference = ReferenceEngine()
    private var running = 0
    /// The most runs that were in flight at once.
    private(set) var mostAtOnce = 0

    nonisolated func describe() async throws -> EngineDescription { ReferenceEngine.description }

    func run(_ input: CaseInput) async throws -> Observation {
        running += 1
        mostAtOnce = max(mostAtOnce, running)
        defer { running -= 1 }
        let jitter = input.id.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF } % 7
        try? await Task.sleep(for: .microseconds(300 * jitter))
        var observation = await reference.run(input)
        if input.data.count == 5 {
            observation.outcome = .failure(ObservedError(kind: "loss_fn_failed", label: "loss_fn", message: "five datums", type: nil))
        }
        return observation
    }
}

/// The reference, counting the runs it finished and, when case `watched` starts, how many
/// had finished by then.
actor RunCountingEngine: Engine {
    private let reference = ReferenceEngine()
    let watchedID: String
    private var finished = 0
    /// How many runs had finished when the watched case started.
    private(set) var finishedBeforeWatched: Int?

    init(watchedID: String) {
        self.watchedID = watchedID
    }

    nonisolated func describe() async throws -> EngineDescription { ReferenceEngine.description }

    func run(_ input: CaseInput) async throws -> Observation {
        if input.id == watchedID { finishedBeforeWatched = finished }
        let observation = await reference.run(input)
        finished += 1
        return observation
    }
}

/// Cases explored at once are handed over as one after another would hand them: the same
/// outcomes, in case order, stopping where the caller stops.
@Suite struct ExploreConcurrencyTests {
    static let allCapabilities = Set(Capability.all)

    static func explorer(_ engine: some Engine) -> Explorer {
        Explorer(
            generator: CaseGenerator(capabilities: allCapabilities),
            check: DifferentialCheck(reference: ReferenceEngine(), engine: engine), seed: 3, runLabel: "test")
    }

    /// An outcome as text: its kind, and a finding's shrunk case and the fields it breaks
    /// (not the mismatches' words, which quote telemetry in the order async fns happened to end).
    static func describe(_ number: Int, _ outcome: Explorer.CaseOutcome, _ explorer: Explorer) -> String {
        switch outcome {
        case .agreed: return "\(number) agreed"
        case .skipped(let reason): return "\(number) skipped \(reason)"
        case .errored(let failure): return "\(number) errored \(failure)"
        case .disagreed(let finding):
            return "\(number) disagreed: \(finding.shrunk) \(Self.paths(finding.shrunkMismatches)) in \(finding.shrinkAttempts) attempts"
        }
    }

    static func paths(_ mismatches: [Mismatch]) -> [String] {
        Set(mismatches.map(\.path)).sorted()
    }

    static func kind(_ verdict: DifferentialCheck.Verdict) -> String {
        switch verdict {
        case .agreed: return "agreed"
        case .disagreed(let mismatches): return "disagreed \(paths(mismatches))"
        case .errored(let failure): return "errored \(failure)"
        case .skipped(let reason): return "skipped \(reason)"
        }
    }

    @Test("cases run at once give the outcomes of one after another, in case order")
    func concurrentOutcomesMatchSequentialOnes() async throws {
        let cases = 80
        let sequentialExplorer = Self.explorer(JitteryFiveDatumEngine())
        var sequential: [String] = []
        for number in 1...cases {
            sequential.append(Self.describe(number, await sequentialExplorer.explore(caseNumber: number), sequentialExplorer))
        }
        #expect(sequential.contains { $0.contains("disagreed") }, "the engine must disagree on some case for this test to show anything")

        // An engine that takes several cases at once gets them at once.
        let engine = JitteryFiveDatumEngine()
        let concurrentExplorer = Self.explorer(engine)
        var concurrent: [String] = []
        await concurrentExplorer.explore(from: 1, through: cases, concurrently: 8, engineRunsConcurrently: true) { number, outcome in
            concurrent.append(Self.describe(number, outcome, concurrentExplorer))
            return true
        }
        #expect(concurrent == sequential)
        #expect(await engine.mostAtOnce > 1, "the cases ran one at a time")

        // An engine process gets them one after another; only the reference runs ahead.
        let oneAtATime = JitteryFiveDatumEngine()
        let orderedExplorer = Self.explorer(oneAtATime)
        var ordered: [String] = []
        await orderedExplorer.explore(from: 1, through: cases, concurrently: 8) { number, outcome in
            ordered.append(Self.describe(number, outcome, orderedExplorer))
            return true
        }
        #expect(ordered == sequential)
        #expect(await oneAtATime.mostAtOnce == 1)
    }

    @Test("a case that sleeps starts before its turn on an engine that takes several cases at once")
    func sleepingCaseStartsEarly() async throws {
        let generator = CaseGenerator(capabilities: Self.allCapabilities)
        let sleeper = try #require((60...3000).first {
            generator.generate(seed: 3, caseNumber: $0).leastSleepMilliseconds >= Explorer.earlySleepMilliseconds
        })
        let probe = Self.explorer(ReferenceEngine())
        let engine = RunCountingEngine(watchedID: probe.caseID(sleeper))
        let explorer = Self.explorer(engine)
        var handed: [Int] = []
        await explorer.explore(from: 1, through: sleeper, concurrently: 2, engineRunsConcurrently: true) { number, _ in
            handed.append(number)
            return true
        }
        #expect(handed == Array(1...sleeper))
        // In its turn, two at a time, it would start once the cases before it but one had ended.
        let finishedBefore = try #require(await engine.finishedBeforeWatched)
        #expect(finishedBefore < sleeper - 2, "case \(sleeper) started after \(finishedBefore) runs had ended")
    }

    @Test("exploring at once stops at the case where the caller stops, and hands none after it")
    func concurrentExplorationStopsWhereTheCallerStops() async throws {
        let explorer = Self.explorer(JitteryFiveDatumEngine())
        var firstDisagreement: Int?
        for number in 1...200 {
            if case .disagreed = await explorer.explore(caseNumber: number) {
                firstDisagreement = number
                break
            }
        }
        let expected = try #require(firstDisagreement)
        for engineRunsConcurrently in [true, false] {
            var handed: [Int] = []
            await explorer.explore(from: 1, through: 200, concurrently: 16, engineRunsConcurrently: engineRunsConcurrently) { number, outcome in
                handed.append(number)
                if case .disagreed = outcome { return false }
                return true
            }
            #expect(handed == Array(1...expected))
        }
    }

    /// The conditioning runs only add a requirement, never change a verdict: the lazy compare
    /// judges every case as the whole one does.
    @Test("a compare that skips the conditioning runs gives the whole compare's verdict")
    func lazyCompareGivesTheWholeVerdict() async {
        let check = DifferentialCheck(reference: ReferenceEngine(), engine: JitteryFiveDatumEngine())
        let generator = CaseGenerator(capabilities: Self.allCapabilities)
        var disagreed = 0
        var needsFloat64 = 0
        for number in 1...300 {
            let generated = generator.generate(seed: 3, caseNumber: number)
            let whole = await check.compare(generated, id: "c\(number)")
            let lazy = await check.compare(generated, id: "c\(number)", wholeSpecCase: false)
            #expect(Self.kind(lazy.verdict) == Self.kind(whole.verdict), "case \(number)")
            #expect(lazy.referenceOutcome == whole.referenceOutcome)
            #expect(lazy.specCase.declaredRequirements.isSubset(of: whole.specCase.declaredRequirements))
            if case .disagreed = whole.verdict { disagreed += 1 }
            if whole.specCase.declaredRequirements.contains(Capability.float64) { needsFloat64 += 1 }
        }
        #expect(disagreed > 0)
        #expect(needsFloat64 > 0, "no case needed float64: the whole compare's conditioning runs were not exercised")
    }
}
