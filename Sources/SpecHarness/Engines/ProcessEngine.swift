import Foundation
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
    private let workers: [EngineProcess]
    private let pool: WorkerPool
    private let restarts = Mutex(0)

    /// - Parameters:
    ///   - processes: how many engine processes run cases at once.
    ///   - strictProtocol: reject any reply with keys or types the protocol does not define.
    public init(command: String, processes: Int = 1, caseTimeout: Duration = .seconds(10), maximumRestarts: Int = 5, strictProtocol: Bool = false) {
        self.command = command
        self.caseTimeout = caseTimeout
        self.maximumRestarts = maximumRestarts
        workers = (0..<max(1, processes)).map { _ in EngineProcess(command: command, strictProtocol: strictProtocol) }
        pool = WorkerPool(count: workers.count)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Starts the first process and returns what it announced.
    /// - Throws: `EngineFailure` when it cannot start or answer, `ProtocolError` for a version mismatch.
    public func describe() async throws -> EngineDescription {
        try await workers[0].start(timeout: caseTimeout)
    }

    public func run(_ input: CaseInput) async throws -> Observation {
        let spent = restarts.withLock { $0 }
        if spent > maximumRestarts {
            throw EngineFailure("gave up on the engine after \(maximumRestarts) restarts; this case was not run")
        }
        let index = await pool.acquire()
        do {
            let observation = try await workers[index].run(input, timeout: caseTimeout)
            await pool.release(index)
            return observation
        } catch let failure as EngineFailure {
            // The process was killed; the next case on this worker starts a new one.
            restarts.withLock { $0 += 1 }
            await pool.release(index)
            throw failure
        } catch {
            await pool.release(index)
            throw error
        }
    }

    /// Stops every process.
    public func shutdown() async {
        for worker in workers { await worker.stop() }
    }
}

/// Hands out worker indices, one case per worker at a time.
private actor WorkerPool {
    private var free: [Int]
    private var waiters: [CheckedContinuation<Int, Never>] = []

    init(count: Int) {
        free = Array((0..<count).reversed())
    }

    func acquire() async -> Int {
        if let index = free.popLast() { return index }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func release(_ index: Int) {
        if waiters.isEmpty {
            free.append(index)
        } else {
            waiters.removeFirst().resume(returning: index)
        }
    }
}
