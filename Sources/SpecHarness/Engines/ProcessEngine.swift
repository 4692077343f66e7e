#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// An implementation in any language, run as processes that speak the JSON-lines protocol.
///
/// Each process is reused for many cases. A process that crashes, hangs, writes garbage or
/// breaks the protocol is killed, the case is errored, and the next case starts a new one,
/// until `maximumRestarts` is spent; then every remaining case is errored at once.
public final class ProcessEngine: Engine {
    public let command: String
    public let caseTimeout: Duration
    public let maximumRestarts: Int
    private let pool: WorkerPool
    private let restarts = Mutex(0)

    /// - Parameters:
    ///   - command: the engine, run through `/bin/sh -c` in its own process group.
    ///   - processes: at most how many engine processes run cases at once; they start as
    ///     cases need them, so a huge value costs nothing up front.
    ///   - caseTimeout: how long one case may take before it is errored and its process killed.
    ///   - maximumRestarts: how many times a crashed or killed engine is started again in all.
    ///   - strictProtocol: reject any reply with keys or types the protocol does not define.
    public init(command: String, processes: Int = 1, caseTimeout: Duration = .seconds(10), maximumRestarts: Int = 5, strictProtocol: Bool = false) {
        self.command = command
        self.caseTimeout = caseTimeout
        self.maximumRestarts = maximumRestarts
        pool = WorkerPool(limit: max(1, processes)) {
            EngineProcess(command: command, strictProtocol: strictProtocol)
        }
    }

    /// How long a process may take to start and answer `start`: at least 120 s, since an
    /// engine's imports (torch) take over 30 s when several start at once on a loaded 2-core
    /// machine, and a short case timeout should not make a slow start look like a broken engine.
    public var startTimeout: Duration { max(caseTimeout, .seconds(120)) }

    /// How long a runner should let one case take before giving up on it: a relaunch's
    /// handshake, then the write of the case and its answer, which may each take `caseTimeout`.
    public var runnerTimeout: Duration { startTimeout + caseTimeout * 2 + .seconds(5) }

    /// Starts the first process and returns what it announced.
    /// - Throws: `EngineFailure` when it cannot start or answer, `ProtocolError` for a version mismatch.
    public func describe() async throws -> EngineDescription {
        let worker = await pool.acquire()
        do {
            let description = try await worker.start(timeout: startTimeout)
            await pool.release(worker)
            return description
        } catch {
            await pool.release(worker)
            throw error
        }
    }

    public func run(_ input: CaseInput) async throws -> Observation {
        // A cancelled session (a signal) starts no case, and so no process.
        try Task.checkCancellation()
        let spent = restarts.withLock { $0 }
        if spent > maximumRestarts {
            throw EngineFailure(.restartsExhausted, "gave up on the engine after \(maximumRestarts) restarts; this case was not run")
        }
        if let binding = Self.dedicated, binding.engine == ObjectIdentifier(self) {
            return try await run(input, on: binding.worker)
        }
        let worker = await pool.acquire()
        do {
            let observation = try await run(input, on: worker)
            await pool.release(worker)
            return observation
        } catch {
            await pool.release(worker)
            throw error
        }
    }

    private func run(_ input: CaseInput, on worker: EngineProcess) async throws -> Observation {
        do {
            return try await worker.run(input, timeout: caseTimeout, startTimeout: startTimeout)
        } catch let failure as EngineFailure {
            // The process was killed; the next case on this worker starts a new one.
            restarts.withLock { $0 += 1 }
            throw failure
        }
    }

    /// Runs `body` with one process of this engine to itself: every `run` it makes goes to that
    /// process, and its code runs on the thread that reads the process's answers, so that an
    /// answer is handled without waking a thread of the cooperative pool (a lane of
    /// `SuiteRunner`, the protocol benchmark). Other callers' cases go to the other processes.
    package func withDedicatedProcess<T, Failure: Error>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        let worker = await pool.acquire()
        // As a value, so that the worker is released on every path and the error keeps its type.
        let outcome = await Self.$dedicated.withValue(DedicatedWorker(engine: ObjectIdentifier(self), worker: worker)) {
            await withTaskExecutorPreference(worker.executor, isolation: isolation) { () async -> Result<T, Failure> in
                do throws(Failure) {
                    return .success(try await body())
                } catch {
                    return .failure(error)
                }
            }
        }
        await pool.release(worker)
        return try outcome.get()
    }

    /// The process a task has to itself, and whose engine it belongs to.
    private struct DedicatedWorker: Sendable {
        let engine: ObjectIdentifier
        let worker: EngineProcess
    }

    @TaskLocal private static var dedicated: DedicatedWorker?

    /// How many engine processes were started (each worker starts one as it is first needed).
    public var workersStarted: Int {
        get async { await pool.created.count }
    }

    /// Stops every process and its process group, and reaps them. Asks each to stop first;
    /// when the calling task is cancelled (an interrupted run), kills them at once.
    /// `withEngine` calls it on every path; call it yourself only for an engine you keep.
    public func shutdown() async {
        // All at once: each may wait a second for an engine that ignores `stop`.
        await withTaskGroup(of: Void.self) { group in
            for worker in await pool.created { group.addTask { await worker.stop() } }
        }
        // Processes killed during the run are reaped by their exit threads; wait for them.
        await LiveProcesses.shared.waitUntilNoneLeft(timeout: .seconds(5))
    }
}

/// Hands out workers, one case per worker at a time, making a new one only when every
/// existing one is busy and the limit allows.
private actor WorkerPool {
    private let limit: Int
    private let make: @Sendable () -> EngineProcess
    private(set) var created: [EngineProcess] = []
    private var free: [EngineProcess] = []
    private var waiters: [CheckedContinuation<EngineProcess, Never>] = []

    init(limit: Int, make: @escaping @Sendable () -> EngineProcess) {
        self.limit = limit
        self.make = make
    }

    func acquire() async -> EngineProcess {
        if let worker = free.popLast() { return worker }
        if created.count < limit {
            let worker = make()
            created.append(worker)
            return worker
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func release(_ worker: EngineProcess) {
        if waiters.isEmpty {
            free.append(worker)
        } else {
            waiters.removeFirst().resume(returning: worker)
        }
    }
}
