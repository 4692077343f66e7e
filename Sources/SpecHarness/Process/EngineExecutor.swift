#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Runs the harness's side of an engine's cases on the thread that reads the engine's answers.
///
/// A task that prefers this executor (`withTaskExecutorPreference`) is resumed by the reader
/// thread itself when a line arrives, instead of waking a thread of the cooperative pool: a
/// case costs the two processes' own wake-ups, as a ping-pong over a pipe does. While no reader
/// thread serves it (before the first launch, between an engine's death and its relaunch,
/// after the last stop), jobs go to the global concurrent executor, so none waits for a thread
/// that is gone.
final class EngineExecutor: TaskExecutor, @unchecked Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        /// The reader thread serving the queue, if any.
        var server: pthread_t?
        /// Whether the server sleeps in `poll` and needs a byte on the wake pipe.
        var serverSleeps = false
    }

    private let state = Mutex(State())
    /// Written when a job arrives from another thread while the server sleeps.
    private let wakeReader: Int32
    private let wakeWriter: Int32

    /// Nil when the process has no descriptors left for the wake pipe.
    init?() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        wakeReader = ends[0]
        wakeWriter = ends[1]
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit {
        close(wakeReader)
        close(wakeWriter)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let route = state.withLock { state -> Route in
            guard let server = state.server else { return .global }
            state.jobs.append(job)
            guard state.serverSleeps, pthread_equal(server, pthread_self()) == 0 else { return .queued }
            state.serverSleeps = false
            return .wake
        }
        switch route {
        case .global:
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        case .queued:
            break
        case .wake:
            var byte: UInt8 = 1
            _ = write(wakeWriter, &byte, 1)
        }
    }

    private enum Route { case global, queued, wake }

    /// Makes the calling thread the server. A server already there (a dead engine's reader
    /// finishing a job that launched this one) hands over: whichever thread takes the queue
    /// next runs it.
    func attach() {
        state.withLock { $0.server = pthread_self() }
    }

    /// Runs every queued job, including those the jobs queue, on the calling thread.
    func runQueuedJobs() {
        while true {
            let batch = state.withLock { state -> [UnownedJob] in
                defer { state.jobs = [] }
                return state.jobs
            }
            if batch.isEmpty { return }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    /// The descriptor a server polls alongside its pipe.
    var wakeDescriptor: Int32 { wakeReader }

    /// Says the server is about to sleep in `poll`; false when a job came in meanwhile, so the
    /// server runs it rather than sleeping.
    func prepareToSleep() -> Bool {
        state.withLock { state in
            guard state.jobs.isEmpty else { return false }
            state.serverSleeps = true
            return true
        }
    }

    /// After `poll` returns; empties the wake pipe when it was written.
    func woke(drainingWakePipe: Bool) {
        state.withLock { $0.serverSleeps = false }
        guard drainingWakePipe else { return }
        var bytes = (UInt64(0), UInt64(0))
        _ = withUnsafeMutableBytes(of: &bytes) { read(wakeReader, $0.baseAddress, $0.count) }
    }

    /// The calling thread stops serving: it runs what is queued, then (unless another server
    /// has attached) leaves later jobs to the global executor.
    func detach() {
        while true {
            runQueuedJobs()
            let left = state.withLock { state -> Bool in
                guard state.jobs.isEmpty else { return true }
                if let server = state.server, pthread_equal(server, pthread_self()) != 0 {
                    state.server = nil
                    state.serverSleeps = false
                }
                return false
            }
            if !left { return }
        }
    }

    /// Whether the calling thread is this executor's server (tests).
    var isServingThread: Bool {
        state.withLock { state in state.server.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }
}
