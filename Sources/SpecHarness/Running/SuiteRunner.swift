#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Runs cases against an engine, several at once, and judges each.
public struct SuiteRunner: Sendable {
    public var engine: any Engine
    /// How many cases run at once (at most `jobsPerProcessor` per core); results come back in
    /// suite order whatever it is.
    public var jobs: Int
    /// A case still running after this is reported as errored.
    public var caseTimeout: Duration
    /// How an engine lacking core capabilities is judged; by default it is not conforming.
    public var policy: RunVerdict.Policy

    /// The timeout a runner should enforce for `engine`: the case timeout itself for an engine
    /// in process, a backstop above the one a process engine enforces on its own.
    public static func caseTimeout(for engine: any Engine, caseTimeout: Duration) -> Duration {
        (engine as? ProcessEngine)?.runnerTimeout ?? caseTimeout
    }

    /// How many cases may run at once per processor core. Each engine process costs three
    /// threads and five descriptors; engines mostly wait (on their imports, on the pipe), so a
    /// few per core keep the cores busy, and more only exhaust threads and descriptors.
    package static let jobsPerProcessor = 4

    /// How many cases to run at once when `requested` are asked for: no more than there are
    /// cases, nor than `jobsPerProcessor` per core.
    package static func usableJobs(
        requested: Int, cases: Int, processors: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> Int {
        max(1, min(requested, cases, jobsPerProcessor * max(1, processors)))
    }

    /// Why `usableJobs` is what it is, for the one line that says so.
    package static func jobsLimitReason(cases: Int, processors: Int = ProcessInfo.processInfo.activeProcessorCount) -> String {
        "at most one engine per case (\(cases)) and \(jobsPerProcessor) per processor core (\(max(1, processors)))"
    }

    /// - Parameters:
    ///   - engine: the engine under test.
    ///   - jobs: how many cases run at once; capped by `usableJobs`, however large.
    ///   - caseTimeout: how long one case may take before it is errored.
    ///   - policy: how the run's verdict treats a partial engine and a narrowed selection.
    public init(engine: any Engine, jobs: Int = 1, caseTimeout: Duration = .seconds(30), policy: RunVerdict.Policy = .conformance) {
        self.engine = engine
        self.jobs = max(1, min(jobs, Self.jobsPerProcessor * max(1, ProcessInfo.processInfo.activeProcessorCount)))
        self.caseTimeout = caseTimeout
        self.policy = policy
    }

    /// Runs `cases` and returns their results in the same order.
    /// - Parameters:
    ///   - cases: the cases to run, in suite order.
    ///   - description: what the engine announced; cases needing what it lacks are skipped.
    ///   - progress: called as each case finishes, in completion order.
    ///   - shouldStop: asked before each case starts; true leaves the rest unrun (`-x`, `--max-fail`).
    ///   - started: called as each case starts, so a progress display can name a slow one.
    public func run(
        _ cases: [SpecCase], description: EngineDescription,
        progress: @Sendable (CaseResult) -> Void = { _ in },
        shouldStop: @Sendable () -> Bool = { false },
        started: @Sendable (SpecCase) -> Void = { _ in }
    ) async -> RunReport {
        let clock = ContinuousClock()
        let start = clock.now
        // The lanes end before this returns: the callbacks do not outlive the call.
        let results = await withoutActuallyEscaping(progress) { progress in
            await withoutActuallyEscaping(shouldStop) { shouldStop in
                await withoutActuallyEscaping(started) { started in
                    await runLanes(cases, description: description, progress: progress, shouldStop: shouldStop, started: started)
                }
            }
        }
        var report = RunReport(engine: description, results: results.compactMap { $0 }, duration: clock.now - start)
        // Cut short by cancellation (a signal), not by `shouldStop` (-x), which is no interruption.
        report.incomplete = Task.isCancelled && report.results.count < cases.count
        report.verdict = RunVerdict.judge(report.results, engine: description, policy: policy, interrupted: report.incomplete)
        return report
    }

    /// Runs `min(jobs, cases)` lanes, each taking the next case when it is free. A lane keeps to
    /// one engine process, whose reader thread runs the lane (see
    /// `ProcessEngine.withDedicatedProcess`). The callbacks are called under the lock, so they
    /// see one case at a time, in completion order.
    /// - Returns: each case's result, nil for a case not run.
    private func runLanes(
        _ cases: [SpecCase], description: EngineDescription,
        progress: @escaping @Sendable (CaseResult) -> Void,
        shouldStop: @escaping @Sendable () -> Bool,
        started: @escaping @Sendable (SpecCase) -> Void
    ) async -> [CaseResult?] {
        let schedule = Schedule(count: cases.count)
        @Sendable func runLane() async {
            while true {
                let index = schedule.state.withLock { schedule -> Int? in
                    guard !Task.isCancelled, schedule.next < cases.count, !shouldStop() else {
                        schedule.next = cases.count
                        return nil
                    }
                    defer { schedule.next += 1 }
                    started(cases[schedule.next])
                    return schedule.next
                }
                guard let index else { return }
                let result = await run(cases[index], description: description)
                // Once cancelled (a signal), cases still running were cut off, not judged:
                // keep only what finished before, and start nothing more.
                if Task.isCancelled { return }
                schedule.state.withLock { schedule in
                    schedule.results[index] = result
                    progress(result)
                }
            }
        }
        let engine = engine
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<min(jobs, cases.count) {
                group.addTask {
                    guard let processes = engine as? ProcessEngine else { return await runLane() }
                    await processes.withDedicatedProcess { await runLane() }
                }
            }
        }
        return schedule.state.withLock { $0.results }
    }

    /// What the lanes share: the next case to start and the results so far.
    private final class Schedule: Sendable {
        struct State {
            var next = 0
            var results: [CaseResult?]
        }

        let state: Mutex<State>

        init(count: Int) {
            state = Mutex(State(results: [CaseResult?](repeating: nil, count: count)))
        }
    }

    private func run(_ specCase: SpecCase, description: EngineDescription) async -> CaseResult {
        let clock = ContinuousClock()
        let start = clock.now
        func result(_ outcome: CaseResult.Outcome) -> CaseResult {
            CaseResult(
                caseID: specCase.id, summary: specCase.summary, suite: specCase.suite, location: specCase.location,
                outcome: outcome, duration: clock.now - start)
        }
        let missing = specCase.requiredCapabilities.subtracting(description.capabilities)
        if !missing.isEmpty {
            return result(.skipped(reason: "the engine lacks \(missing.listed)"))
        }
        do {
            let observation = try await runWithTimeout(specCase.input)
            let mismatches = CaseChecker(specCase).check(observation)
            return result(mismatches.isEmpty ? .passed : .failed(mismatches))
        } catch {
            return result(.errored(EngineFailure(wrapping: error)))
        }
    }

    private func runWithTimeout(_ input: CaseInput) async throws -> Observation {
        let engine = engine
        let limit = caseTimeout
        return try await withThrowingTaskGroup(of: Observation?.self) { group in
            group.addTask { try await engine.run(input) }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let observation = first else {
                throw EngineFailure(.timedOut, "the engine did not answer within \(limit)")
            }
            return observation
        }
    }
}
