import Foundation
import ReferenceEngine
import SpecTestSupport
import Testing
import TinkerWire
@testable import SpecHarness

/// A float32 implementation, modelled the way numerical analysis models one (backward error):
/// the reference's exact result on inputs each off by up to 4 float32 roundoffs, in directions
/// of its own, with every metric it reports rounded to float32. Announces no `float64`.
struct Float32ArithmeticEngine: Engine {
    let reference = ReferenceEngine()

    func describe() -> EngineDescription {
        EngineDescription(name: "float32-model", language: "swift", version: "1", capabilities: Set(Capability.all).subtracting([Capability.float64]))
    }

    func run(_ input: CaseInput) async -> Observation {
        var random = SeededGenerator(seed: 0xF10A7, caseNumber: input.data.count)
        func perturbed(_ values: [Double]) -> [Double] {
            values.map { Double(Float($0 * (1 + random.double(in: -4...4) * 0x1.0p-24))) }
        }
        var moved = input
        for index in moved.data.indices {
            moved.data[index].logprobs = perturbed(moved.data[index].logprobs)
            for key in ["weights", "ref_logprobs"] {
                if let tensor = moved.data[index].datum.lossFnInputs[key] {
                    moved.data[index].datum.lossFnInputs[key]?.data = perturbed(tensor.data)
                }
            }
        }
        var observation = await reference.run(moved)
        if case .success(let metrics) = observation.outcome { observation.outcome = .success(metrics: Self.rounded(metrics)) }
        return observation
    }

    /// The numbers the implementation computes, rounded; echoed ones (weights, custom metrics) stay.
    static func rounded(_ metrics: Metrics) -> Metrics {
        let computed: Set<String> = ["loss_total", "regularizer_total", "value", "contribution", "grad_norm", "grad_norm_weighted", "total_grad_norm"]
        var entries = metrics.entries
        for (key, value) in metrics.entries {
            switch value {
            case .number(let number) where computed.contains(key): entries[key] = .number(Double(Float(number)))
            case .object(let object) where key != "custom": entries[key] = .object(rounded(object))
            default: break
            }
        }
        return Metrics(entries)
    }
}

/// An engine whose timeout is a deadline for the whole call (the clock semantics section 12
/// rules out): a call that outlasts the timeout fails with `timeout`, though no fn did.
struct PerCallDeadlineEngine: Engine {
    let reference = ReferenceEngine()

    func describe() -> EngineDescription { ReferenceEngine.description }

    func run(_ input: CaseInput) async -> Observation {
        let clock = ContinuousClock()
        let start = clock.now
        let observation = await reference.run(input)
        guard let timeout = input.call.options.timeoutMilliseconds, case .success = observation.outcome,
            clock.now - start > .milliseconds(timeout)
        else { return observation }
        return Observation(
            outcome: .failure(ObservedError(kind: "timeout", label: "loss_fn", message: "the call exceeded its deadline", type: "CustomLossError")),
            forwardRequests: observation.forwardRequests, backwardRequests: [], telemetry: nil)
    }
}

@Suite struct ExploreReproducerTests {
    static let allCapabilities = Set(Capability.all)
    static let float32Capabilities = allCapabilities.subtracting([Capability.float64])

    /// The reproducer file of one compared case, as `regspec explore` writes it for a finding.
    static func reproducer(_ explorer: Explorer, number: Int) async -> (name: String, text: String, specCase: SpecCase) {
        let generated = explorer.generate(number)
        let result = await explorer.check.compare(generated, id: explorer.caseID(number))
        let finding = Explorer.Finding(
            caseNumber: number, original: generated, originalMismatches: [], shrunk: generated, shrunkCase: result.specCase,
            shrunkMismatches: [], referenceOutcome: result.referenceOutcome, shrinkAttempts: 0, shrinkSteps: 0)
        let name = explorer.reproducerFileName(number)
        return (name, explorer.reproducerFile(finding, fileName: name, engineDescription: "the reference"), result.specCase)
    }

    /// What `regspec validate --strict` demands: no problem and no warning.
    static func strictProblems(_ workspace: SpecWorkspace) -> [String] {
        let suite = workspace.load("specs")
        return suite.diagnostics.map(\.description) + SpecLint.warnings(for: suite.cases).map(\.description)
    }

    /// docs/explore.md promises reproducers pass `validate --strict`: 240 of them, from 24
    /// seeds, a third invalid calls, judged for float64 and for float32 engines.
    @Test("reproducers of many seeds pass validate strict") func reproducersOfManySeedsPassValidateStrict() async throws {
        let workspace = try SpecWorkspace()
        var patterns: Set<String> = []
        var widened = 0
        for seed in UInt64(1)...24 {
            let capabilities = seed.isMultiple(of: 2) ? Self.allCapabilities : Self.float32Capabilities
            let explorer = Explorer(
                generator: CaseGenerator(capabilities: Self.allCapabilities, invalidRate: 0.35),
                check: DifferentialCheck(reference: ReferenceEngine(), engine: ReferenceEngine(), engineCapabilities: capabilities), seed: seed)
            for number in 1...10 {
                let written = await Self.reproducer(explorer, number: number)
                try workspace.write("specs/\(written.name)", written.text)
                if case .failure(let error) = written.specCase.expectation, let pattern = error.messagePattern { patterns.insert(pattern) }
                if written.specCase.tolerance.fields.values.contains(where: { $0.relative != nil }) { widened += 1 }
            }
        }
        let problems = Self.strictProblems(workspace)
        #expect(problems.isEmpty, "\(problems.prefix(10).joined(separator: "\n"))")
        #expect(workspace.load("specs").cases.count == 240)
        // The pattern that was unanchored is among them, anchored now.
        #expect(patterns.contains("(?is)\\A(?=.*loss_fn)(?=.*regularizers)"), "\(patterns)")
        #expect(widened > 0, "some float32 draw needs a wider tolerance than the default")
    }

    /// Negative control: the lint behind --strict rejects the pattern as explore wrote it before.
    @Test("the unanchored pattern fails the lint") func theUnanchoredPatternFailsTheLint() {
        #expect(!MessagePattern.lint("(?is)(?=.*loss_fn)(?=.*regularizers)").isEmpty)
        #expect(MessagePattern.lint("(?is)\\A(?=.*loss_fn)(?=.*regularizers)").isEmpty)
    }

    /// Shrunk reproducers of real disagreements pass --strict too.
    @Test("shrunk reproducers pass validate strict") func shrunkReproducersPassValidateStrict() async throws {
        let workspace = try SpecWorkspace()
        var found = 0
        for seed in [UInt64(7), 8] {
            let explorer = Explorer(
                generator: CaseGenerator(capabilities: Self.allCapabilities),
                check: DifferentialCheck(reference: ReferenceEngine(), engine: ContributionDroppingEngine(), engineCapabilities: Self.float32Capabilities), seed: seed)
            let first = await ExploreTests.firstDisagreement(explorer, limit: 200)
            let finding = try #require(first.finding, "seed \(seed)")
            let name = explorer.reproducerFileName(finding.caseNumber)
            try workspace.write("specs/\(name)", explorer.reproducerFile(finding, fileName: name, engineDescription: "a faulty engine"))
            found += 1
        }
        #expect(found == 2)
        let problems = Self.strictProblems(workspace)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("two runs with the same seed write distinct ids and files") func twoRunsWithTheSameSeedWriteDistinctIdsAndFiles() async throws {
        func explorer(runLabel: String? = nil) -> Explorer {
            let check = DifferentialCheck(reference: ReferenceEngine(), engine: ReferenceEngine())
            let generator = CaseGenerator(capabilities: Self.allCapabilities)
            if let runLabel { return Explorer(generator: generator, check: check, seed: 1, runLabel: runLabel) }
            return Explorer(generator: generator, check: check, seed: 1)
        }
        let first = explorer()
        let second = explorer()
        #expect(first.caseID(3) != second.caseID(3))
        #expect(first.reproducerFileName(3) != second.reproducerFileName(3))
        #expect(first.caseID(3).hasPrefix("explore/seed-1-case-3-run-"))

        let workspace = try SpecWorkspace()
        for run in [first, second] {
            let written = await Self.reproducer(run, number: 3)
            try workspace.write("specs/\(written.name)", written.text)
        }
        #expect(Self.strictProblems(workspace).isEmpty, "\(Self.strictProblems(workspace))")
        #expect(workspace.load("specs").cases.count == 2)

        // Negative control: ids of one run label collide, and the loader says so.
        let clash = try SpecWorkspace()
        for (index, run) in [explorer(runLabel: "same"), explorer(runLabel: "same")].enumerated() {
            let written = await Self.reproducer(run, number: 3)
            try clash.write("specs/\(index)-\(written.name)", written.text)
        }
        #expect(clash.load("specs").diagnostics.contains { $0.message.contains("is already used") })
    }

    /// No draw is skipped for precision against an engine that computes in float32, and none
    /// disagrees; judged with the suite's float64 tolerance instead, the same engine does.
    @Test("a float32 engine is judged on every draw without false disagreements") func aFloat32EngineIsJudgedOnEveryDrawWithoutFalseDisagreements() async {
        let float32 = DifferentialCheck(reference: ReferenceEngine(), engine: Float32ArithmeticEngine(), engineCapabilities: Self.float32Capabilities)
        let generator = CaseGenerator(capabilities: Self.float32Capabilities, invalidRate: 0.1)
        var skipped = 0
        var problems: [String] = []
        var disagreementsAtFloat64Tolerance = 0
        let asFloat64 = DifferentialCheck(reference: ReferenceEngine(), engine: Float32ArithmeticEngine(), engineCapabilities: Self.allCapabilities)
        for number in 1...300 {
            let generated = generator.generate(seed: 11, caseNumber: number)
            let result = await float32.compare(generated, id: "f32/\(number)")
            switch result.verdict {
            case .agreed: break
            case .skipped: skipped += 1
            case .disagreed(let mismatches): problems.append("case \(number): \(mismatches.prefix(2))")
            case .errored(let message): problems.append("case \(number) errored: \(message)")
            }
            if number <= 150, case .disagreed = await asFloat64.compare(generated, id: "f64/\(number)").verdict {
                disagreementsAtFloat64Tolerance += 1
            }
        }
        #expect(skipped == 0)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(disagreementsAtFloat64Tolerance > 0, "the float32 model must be visible at the float64 tolerance, or this test proves nothing")
    }

    /// Fault finding stays without float64: the float32 tolerance hides no dropped contribution.
    @Test("faults are found against an engine without float64") func faultsAreFoundAgainstAnEngineWithoutFloat64() async throws {
        let explorer = Explorer(
            generator: CaseGenerator(capabilities: Self.float32Capabilities),
            check: DifferentialCheck(reference: ReferenceEngine(), engine: ContributionDroppingEngine(), engineCapabilities: Self.float32Capabilities), seed: 7)
        let first = await ExploreTests.firstDisagreement(explorer, limit: 200)
        let finding = try #require(first.finding)
        #expect(finding.shrunkMismatches.contains { $0.path.hasSuffix(".contribution") || $0.path.hasSuffix("loss_total") || $0.path.hasPrefix("gradient") })
    }

    /// Semantics section 12: the timeout counts from each async fn's own start, the wait for a
    /// `max_concurrency` slot excluded, and the call has no deadline. explore draws timings only
    /// that clock passes, and an engine with a per-call deadline disagrees on them.
    @Test("timeout clock draws catch a per call deadline") func timeoutClockDrawsCatchAPerCallDeadline() async throws {
        let generator = CaseGenerator(capabilities: Self.allCapabilities, invalidRate: 0)
        var drawn: [ExploreCase] = []
        // A sixteenth of the timeout-clock shapes sleep (CaseGenerator.timeoutClockSleepingShare).
        for number in 1...1600 {
            let generated = generator.generate(seed: 5, caseNumber: number)
            let options = generated.call.options
            guard let timeout = options.timeoutMilliseconds, let limit = options.maxConcurrency, timeout < 1000 else { continue }
            // The clock's sleepers; any other async fn sleeps a fraction of a millisecond.
            let slow = generated.call.allFns.filter { $0.isAsync && ($0.delayMilliseconds ?? 0) > 0.1 * timeout }
            // Each fn ends within the timeout; the fns after the first `limit` wait for a slot.
            #expect(slow.allSatisfy { ($0.delayMilliseconds ?? 0) < timeout })
            #expect(slow.count > limit)
            #expect(Double(slow.count / limit + (slow.count % limit == 0 ? 0 : 1)) * (slow.first?.delayMilliseconds ?? 0) > timeout)
            drawn.append(generated)
        }
        #expect(drawn.count >= 2, "explore draws timeout-clock timings now and then")
        let sample = try #require(drawn.first)
        let deadline = await DifferentialCheck(reference: ReferenceEngine(), engine: PerCallDeadlineEngine()).compare(sample, id: "clock")
        #expect(deadline.referenceOutcome == "success")
        guard case .disagreed = deadline.verdict else {
            Issue.record("a per-call deadline must disagree with the reference, got \(deadline.verdict)")
            return
        }
        // Negative control: the reference agrees with itself on the same timings.
        let same = await DifferentialCheck(reference: ReferenceEngine(), engine: ReferenceEngine()).compare(sample, id: "clock")
        guard case .agreed = same.verdict else {
            Issue.record("the reference must agree with itself, got \(same.verdict)")
            return
        }
    }
}
