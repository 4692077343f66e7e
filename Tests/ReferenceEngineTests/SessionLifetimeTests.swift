import Foundation
import ReferenceEngine
import SpecTestSupport
import Synchronization
import Testing
@testable import SpecHarness

/// What an engine went through: cases started, shutdowns.
final class EngineLog: Sendable {
    private let counts = Mutex((started: 0, shutdowns: 0))
    private let starts: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (starts, continuation) = AsyncStream<Void>.makeStream()
    }

    var started: Int { counts.withLock { $0.started } }
    var shutdowns: Int { counts.withLock { $0.shutdowns } }

    func caseStarted() {
        counts.withLock { $0.started += 1 }
        continuation.yield()
    }

    func shutDown() { counts.withLock { $0.shutdowns += 1 } }

    /// Returns once a case has started on the engine.
    func waitForACase() async {
        for await _ in starts { return }
    }
}

/// An engine that records its life in `log`, and with `hangs` never answers a case until cancelled.
struct RecordingEngine<Wrapped: Engine>: Engine {
    let wrapped: Wrapped
    let log: EngineLog
    var hangs = false
    var describable = true

    func describe() async throws -> EngineDescription {
        guard describable else { throw EngineFailure(.couldNotStart, "the engine exited on start-up") }
        return try await wrapped.describe()
    }

    func run(_ input: CaseInput) async throws -> Observation {
        log.caseStarted()
        if hangs {
            try await Task.sleep(for: .seconds(3600))
        }
        return try await wrapped.run(input)
    }

    func shutdown() async {
        log.shutDown()
        await wrapped.shutdown()
    }
}

/// A session owns its engine: it is shut down once, however the session ends.
@Suite("Sessions shut their engine down")
struct SessionLifetimeTests {
    func runSession(cases count: Int) throws -> (SpecWorkspace, RunSession) {
        let workspace = try SpecWorkspace()
        for index in 0..<count {
            try workspace.write("specs/\(index).yaml", specFile(id: "example/case-\(index)"))
        }
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty)
        return (workspace, RunSession(suite: suite, cases: suite.cases, options: RunSession.Options(caseTimeout: .seconds(3600))))
    }

    @Test("a run session that finishes shuts its engine down once, and reports every case")
    func finished() async throws {
        let (_, session) = try runSession(cases: 3)
        let log = EngineLog()
        let outcome = try await session.run(on: RecordingEngine(wrapped: ReferenceEngine(), log: log))
        #expect(log.shutdowns == 1)
        #expect(outcome.document.summaryLine == "3 passed, 0 failed, 0 errored, 0 skipped")
        #expect(!outcome.run.incomplete)
    }

    @Test("a cancelled run session shuts its engine down, and reports itself incomplete")
    func cancelledRun() async throws {
        let (_, session) = try runSession(cases: 3)
        let log = EngineLog()
        let engine = RecordingEngine(wrapped: ReferenceEngine(), log: log, hangs: true)
        let running = Task { try await session.run(on: engine) }
        await log.waitForACase()
        try #require(log.started > 0, "a case must be running when the session is cancelled")
        running.cancel()
        let outcome = try await running.value
        #expect(log.shutdowns == 1)
        #expect(outcome.run.incomplete)
        #expect(outcome.document.incomplete)
        #expect(outcome.run.results.isEmpty, "the case cut off is not reported: \(outcome.run.results.map(\.caseID))")
    }

    @Test("a run session whose engine does not start shuts it down, and says why")
    func engineDidNotStart() async throws {
        let (_, session) = try runSession(cases: 1)
        let log = EngineLog()
        let engine = RecordingEngine(wrapped: ReferenceEngine(), log: log, describable: false)
        await #expect {
            _ = try await session.run(on: engine)
        } throws: { error in
            guard case RunSession.Failure.engineDidNotStart(let failure) = error else { return false }
            return failure.kind == .couldNotStart
        }
        #expect(log.shutdowns == 1)
        #expect(log.started == 0)
    }

    func exploreOptions(folder: String) -> ExploreSession.Options {
        var options = ExploreSession.Options(seed: 7, reproducerFolder: folder)
        options.caseLimit = 200
        options.maximumShrinkAttempts = 5
        return options
    }

    @Test("an explore session failing mid-run (its reproducer cannot be written) shuts its engine down")
    func exploreFailingMidRun() async throws {
        let workspace = try SpecWorkspace()
        // A file where the reproducer folder should be.
        try workspace.write("out", "not a folder")
        let log = EngineLog()
        let disagreements = Mutex(0)
        let session = ExploreSession(options: exploreOptions(folder: workspace.root + "/out"))
        await #expect {
            _ = try await session.run(on: RecordingEngine(wrapped: ContributionDroppingEngine(), log: log), reference: ReferenceEngine()) { event in
                if case .disagreed = event { disagreements.withLock { $0 += 1 } }
            }
        } throws: { error in
            guard case ExploreSession.Failure.cannotWriteReproducer(let path, _) = error else { return false }
            return path.hasPrefix(workspace.root + "/out/explore-seed-7-case-")
        }
        // The failure came mid-run: after the engine had answered, and disagreed.
        #expect(disagreements.withLock { $0 } == 1)
        #expect(log.started > 0)
        #expect(log.shutdowns == 1)
    }

    @Test("negative control: an explore session that can write its reproducer ends normally, its engine shut down")
    func exploreWritingItsReproducer() async throws {
        let workspace = try SpecWorkspace()
        let log = EngineLog()
        let written = Mutex<[String]>([])
        let session = ExploreSession(options: exploreOptions(folder: workspace.root + "/out"))
        let tally = try await session.run(on: RecordingEngine(wrapped: ContributionDroppingEngine(), log: log), reference: ReferenceEngine()) { event in
            if case .reproducerWritten(_, let path) = event { written.withLock { $0.append(path) } }
        }
        #expect(tally.disagreed == 1)
        let paths = written.withLock { $0 }
        #expect(paths.count == 1 && paths.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(paths)")
        #expect(log.shutdowns == 1)
    }

    @Test("a cancelled explore session shuts its engine down and does not count the case it cut off")
    func cancelledExplore() async throws {
        let workspace = try SpecWorkspace()
        let log = EngineLog()
        let session = ExploreSession(options: exploreOptions(folder: workspace.root + "/out"))
        let engine = RecordingEngine(wrapped: ReferenceEngine(), log: log, hangs: true)
        let running = Task { try await session.run(on: engine, reference: ReferenceEngine()) }
        await log.waitForACase()
        try #require(log.started > 0, "a case must be running when the session is cancelled")
        running.cancel()
        let tally = try await running.value
        #expect(log.shutdowns == 1)
        #expect(tally.tried == 0)
    }
}
