#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// One run of selected cases against an engine, from the engine's description to the report:
/// what `regspec run` does between parsing its options and printing, for any embedder.
/// The engine lives exactly as long as ``run(on:started:progress:)``: it is shut down on every path,
/// cancellation included.
public struct RunSession: Sendable {
    /// How the session runs its cases and judges the run.
    public struct Options: Sendable {
        /// How many cases run at once; lowered to ``RunSession/jobs`` when fewer can be useful.
        public var jobs: Int
        /// How long one case may take before it is errored.
        public var caseTimeout: Duration
        /// How a partial engine and a narrowed selection are judged.
        public var policy: RunVerdict.Policy
        /// Stop starting cases once this many failed or errored (expected failures aside).
        public var maximumFailures: Int?
        /// What the report says about the run beyond its results.
        public var context: ReportContext
        /// Cases known to fail: they are marked xfailed (or xpassed), not failed.
        package var expectedFailures = ExpectedFailures()
        /// Judge the results by the expected failures rewritten to this run's (for a list being updated).
        package var updatesExpectedFailures = false

        public init(
            jobs: Int = 1, caseTimeout: Duration = .seconds(30), policy: RunVerdict.Policy = .conformance,
            maximumFailures: Int? = nil, context: ReportContext = ReportContext()
        ) {
            self.jobs = jobs
            self.caseTimeout = caseTimeout
            self.policy = policy
            self.maximumFailures = maximumFailures
            self.context = context
        }
    }

    /// What a finished session produced.
    public struct Outcome: Sendable {
        /// The results, expected failures applied, and the engine's description and verdict.
        public var run: RunReport
        /// The report every renderer takes.
        public var document: ReportDocument
        /// Failed or errored cases counted towards ``Options/maximumFailures`` when it stopped
        /// the session early, nil when every selected case started.
        public var stoppedAfterFailures: Int?
        /// The listed expected failures, rewritten to the cases that fail now (reasons kept).
        package var expectedFailuresNow: ExpectedFailures
        /// Expected-failure ids this session did not run.
        package var unlistedExpectedFailures: [String]
    }

    /// The session could not run any case.
    public enum Failure: Error, Sendable {
        /// The engine did not describe itself (it could not start, or broke on the handshake).
        case engineDidNotStart(EngineFailure)
    }

    public var suite: LoadedSuite
    /// The selected cases, in suite order.
    public var cases: [SpecCase]
    public var options: Options

    /// - Parameters:
    ///   - suite: the loaded suite the cases come from (the report's sources and hash).
    ///   - cases: the cases to run, in suite order.
    ///   - options: how they run and are judged.
    public init(suite: LoadedSuite, cases: [SpecCase], options: Options = Options()) {
        self.suite = suite
        self.cases = cases
        self.options = options
    }

    /// How many cases run at once: the jobs asked for, but no more than cases, nor than a few
    /// per processor core. An engine with several processes should start this many.
    public var jobs: Int { SuiteRunner.usableJobs(requested: options.jobs, cases: cases.count) }

    /// Why ``jobs`` is lower than the jobs asked for, or nil when it is not.
    public var jobsLoweredReason: String? {
        jobs < options.jobs ? SuiteRunner.jobsLimitReason(cases: cases.count) : nil
    }

    /// Describes the engine, runs the cases on it, applies the expected failures and builds
    /// the report; then shuts the engine down, whatever happened. A cancelled session stops
    /// starting cases, keeps those that finished, and reports itself incomplete.
    /// - Parameters:
    ///   - engine: the engine under test; the session owns it from here and shuts it down.
    ///   - started: called as each case starts, so a progress display can name a slow one.
    ///   - progress: called as each case finishes (expected failures not yet applied).
    /// - Returns: the results and the report.
    /// - Throws: ``Failure/engineDidNotStart(_:)`` when the engine did not describe itself.
    public func run(
        on engine: some Engine, started: @escaping @Sendable (SpecCase) -> Void = { _ in },
        progress: @escaping @Sendable (CaseResult) -> Void = { _ in }
    ) async throws(Failure) -> Outcome {
        let clock = ContinuousClock()
        let begin = clock.now
        let knownFailures = options.expectedFailures
        let failures = Mutex(0)
        let maximumFailures = options.maximumFailures
        let limitReached = { @Sendable in maximumFailures.map { limit in failures.withLock { $0 } >= limit } ?? false }
        let runner = SuiteRunner(
            engine: engine, jobs: jobs, caseTimeout: SuiteRunner.caseTimeout(for: engine, caseTimeout: options.caseTimeout),
            policy: options.policy)
        let cases = cases
        let finished: Result<RunReport, EngineFailure> = await withEngine(engine) { engine in
            let description: EngineDescription
            do {
                description = try await engine.describe()
            } catch {
                return .failure(EngineFailure(wrapping: error))
            }
            return .success(await runner.run(
                cases, description: description,
                progress: { result in
                    if let marked = knownFailures.apply(to: [result]).first, [.failed, .errored].contains(marked.status) {
                        failures.withLock { $0 += 1 }
                    }
                    progress(result)
                },
                shouldStop: limitReached, started: started))
        }
        var report: RunReport
        switch finished {
        case .success(let ran): report = ran
        case .failure(let failure): throw .engineDidNotStart(failure)
        }
        // A cancelled session (a signal) is incomplete even when its last case had just finished.
        if Task.isCancelled { report.incomplete = true }
        let expectedFailuresNow = knownFailures.updated(with: report.results)
        let applied = options.updatesExpectedFailures ? expectedFailuresNow : knownFailures
        report.results = applied.apply(to: report.results)
        var context = options.context
        context.incomplete = report.incomplete
        let document = ReportDocument(run: report, suite: suite, context: context, duration: clock.now - begin)
        let stopped = limitReached() && report.results.count < cases.count
        return Outcome(
            run: report, document: document, stoppedAfterFailures: stopped ? failures.withLock { $0 } : nil,
            expectedFailuresNow: expectedFailuresNow, unlistedExpectedFailures: applied.unknownIDs(in: report.results))
    }
}
