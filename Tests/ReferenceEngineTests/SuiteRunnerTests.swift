import Foundation
import ReferenceEngine
import Testing
import SpecTestSupport
import TinkerWire
@testable import SpecHarness

/// Engines that misbehave in one way each, to show every case is still accounted for.
struct StubEngine: Engine {
    enum Behaviour: Sendable { case throwing, hanging, reference }
    let behaviour: Behaviour
    var capabilities: Set<Capability> = Set(Capability.all)

    func describe() -> EngineDescription {
        EngineDescription(name: "stub", language: "swift", version: "0", capabilities: capabilities)
    }

    func run(_ input: CaseInput) async throws -> Observation {
        switch behaviour {
        case .throwing: throw EngineFailure(.crashed, "the engine crashed", stderrTail: "Traceback: boom")
        case .hanging:
            try await Task.sleep(for: .seconds(60))
            throw EngineFailure("unreachable")
        case .reference: return await ReferenceEngine().run(input)
        }
    }
}

@Suite("Running a suite")
struct SuiteRunnerTests {
    func cases(_ count: Int) throws -> (SpecWorkspace, [SpecCase]) {
        let workspace = try SpecWorkspace()
        for index in 0..<count {
            try workspace.write("specs/\(index).yaml", specFile(id: "example/case-\(index)"))
        }
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty)
        return (workspace, suite.cases)
    }

    @Test("the reference passes, in suite order whatever the number of jobs")
    func ordering() async throws {
        let (_, cases) = try cases(6)
        for jobs in [1, 4] {
            let runner = SuiteRunner(engine: ReferenceEngine(), jobs: jobs)
            let report = await runner.run(cases, description: ReferenceEngine.description)
            #expect(report.results.map(\.caseID) == cases.map(\.id))
            #expect(ReportDocument(report).summaryLine == "6 passed, 0 failed, 0 errored, 0 skipped")
            #expect(ReportDocument(report).succeeded)
        }
    }

    @Test("an engine that throws errors every case, with its stderr, and the run finishes")
    func throwingEngine() async throws {
        let (_, cases) = try cases(3)
        let engine = StubEngine(behaviour: .throwing)
        let report = await SuiteRunner(engine: engine).run(cases, description: engine.describe())
        #expect(ReportDocument(report).summaryLine == "0 passed, 0 failed, 3 errored, 0 skipped")
        guard case .errored(let failure) = report.results[0].outcome else {
            Issue.record("expected errored")
            return
        }
        #expect(failure.kind == .crashed)
        #expect(failure.message == "the engine crashed")
        #expect(failure.stderrTail == "Traceback: boom")
        #expect(!ReportDocument(report).succeeded)
    }

    @Test("a hanging engine is cut off by the case timeout")
    func hangingEngine() async throws {
        let (_, cases) = try cases(2)
        let engine = StubEngine(behaviour: .hanging)
        let report = await SuiteRunner(engine: engine, jobs: 2, caseTimeout: .milliseconds(50))
            .run(cases, description: engine.describe())
        #expect(ReportDocument(report).summaryLine == "0 passed, 0 failed, 2 errored, 0 skipped")
        guard case .errored(let failure) = report.results[0].outcome else {
            Issue.record("expected errored")
            return
        }
        #expect(failure.kind == .timedOut)
        #expect(failure.message.contains("did not answer within"))
    }

    @Test("a case needing a capability the engine lacks is skipped with the reason")
    func skipping() async throws {
        let (_, cases) = try cases(1)
        let engine = StubEngine(behaviour: .reference, capabilities: [Capability.legacy])
        let report = await SuiteRunner(engine: engine).run(cases, description: engine.describe())
        guard case .skipped(let reason) = report.results[0].outcome else {
            Issue.record("expected skipped")
            return
        }
        #expect(reason == "the engine lacks structured")
        // Nothing ran and the engine lacks core capabilities: no pass.
        #expect(!ReportDocument(report).succeeded)
        #expect(report.verdict.problems.contains(.nothingRan(.allSkipped(count: 1))))
    }

    @Test("selection by regex, tags, excluded tags and id")
    func selection() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(id: "alpha/one").replacingOccurrences(of: "summary: an example case", with: "summary: one\n    tags: [fast, checklist]"))
        try workspace.write("specs/b.yaml", specFile(id: "beta/two").replacingOccurrences(of: "summary: an example case", with: "summary: two\n    tags: [slow]"))
        let cases = workspace.load("specs").cases
        #expect(try CaseSelection(idPattern: "^beta/").apply(to: cases).map(\.id) == ["beta/two"])
        #expect(try CaseSelection(tags: ["checklist"]).apply(to: cases).map(\.id) == ["alpha/one"])
        #expect(try CaseSelection(excludedTags: ["slow"]).apply(to: cases).map(\.id) == ["alpha/one"])
        #expect(try CaseSelection(caseIDs: ["beta/two"]).apply(to: cases).map(\.id) == ["beta/two"])
        #expect(throws: SelectionError.self) { try CaseSelection(idPattern: "([").apply(to: cases) }
    }
}

@Suite("Running a suite: bounds")
struct SuiteRunnerBoundsTests {
    /// Regression: the in-process engine was given twice --timeout plus 5 s.
    @Test("an engine in process gets exactly the case timeout; a process engine a backstop above its own")
    func timeoutPerEngine() {
        #expect(SuiteRunner.caseTimeout(for: ReferenceEngine(), caseTimeout: .seconds(3)) == .seconds(3))
        let process = ProcessEngine(command: "true", caseTimeout: .seconds(3))
        let backstop = SuiteRunner.caseTimeout(for: process, caseTimeout: .seconds(3))
        #expect(backstop > process.startTimeout + .seconds(3))
    }

    @Test("a cancelled run keeps the cases that finished, starts no more, and is marked incomplete")
    func cancelledRun() async throws {
        let workspace = try SpecWorkspace()
        for index in 0..<3 {
            try workspace.write("specs/\(index).yaml", specFile(id: "example/case-\(index)"))
        }
        let cases = workspace.load("specs").cases
        let engine = StubEngine(behaviour: .hanging)
        let report = await withTaskGroup(of: RunReport.self) { group in
            group.addTask { await SuiteRunner(engine: engine, caseTimeout: .seconds(3600)).run(cases, description: engine.describe()) }
            group.cancelAll()
            return await group.next()!
        }
        #expect(report.incomplete)
        #expect(report.results.isEmpty)
        let complete = await SuiteRunner(engine: ReferenceEngine()).run(cases, description: ReferenceEngine.description)
        #expect(!complete.incomplete)
    }

    /// Regression: --jobs was unbounded (4 + 3N threads, 11 + 5N descriptors for N engines).
    @Test("the cases running at once are capped at the cases and a few per core")
    func usableJobs() {
        #expect(SuiteRunner.usableJobs(requested: 100_000, cases: 1000, processors: 2) == 2 * SuiteRunner.jobsPerProcessor)
        #expect(SuiteRunner.usableJobs(requested: 100_000, cases: 3, processors: 2) == 3)
        #expect(SuiteRunner.usableJobs(requested: 2, cases: 1000, processors: 2) == 2)
        #expect(SuiteRunner.usableJobs(requested: 5, cases: 0, processors: 0) == 1)
        let cap = SuiteRunner.jobsPerProcessor * ProcessInfo.processInfo.activeProcessorCount
        #expect(SuiteRunner(engine: ReferenceEngine(), jobs: Int.max).jobs == cap)
        #expect(SuiteRunner(engine: ReferenceEngine(), jobs: 1).jobs == 1)
    }

    /// Regression: a ProcessEngine allocated one worker per job up front (8 TB for a huge --jobs).
    @Test("a huge number of processes costs nothing until cases need them")
    func lazyWorkers() async {
        let engine = ProcessEngine(command: "true", processes: 1 << 40)
        #expect(await engine.workersStarted == 0)
    }
}
