#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import Synchronization

/// An engine process started in its own process group, with pipes for its three streams.
///
/// posix_spawn rather than Foundation's `Process` (which cannot set a process group) or
/// swift-subprocess (a new dependency whose process groups are platform options anyway): the
/// harness needs to kill the whole group, helpers an engine started included, and to notice
/// the engine's own exit while a helper still holds its pipes open. One thread per process
/// waits for the exit, kills what is left of the group and reaps the engine, so no zombie and
/// no orphan outlives a run.
final class SpawnedProcess: Sendable {
    /// The engine's pid, which is also its process group's id.
    let pid: pid_t
    /// The write end of the engine's stdin, non-blocking: see `PipeWriter`.
    let input: Int32
    let output: Int32
    let errorOutput: Int32
    /// Readable once the engine has exited (never read from): wakes whoever waits on the pipes.
    let exitSignal: Int32
    private let exitSignalWriter: Int32
    private let state = Mutex(ExitState())

    private struct ExitState {
        var status: Int32?
        var waiters: [@Sendable () -> Void] = []
        var inputClosed = false
    }

    private init(pid: pid_t, input: Int32, output: Int32, errorOutput: Int32, exitSignal: (Int32, Int32)) {
        self.pid = pid
        self.input = input
        self.output = output
        self.errorOutput = errorOutput
        self.exitSignal = exitSignal.0
        exitSignalWriter = exitSignal.1
    }

    deinit {
        closeInput()
        close(exitSignal)
        close(exitSignalWriter)
    }

    /// Runs `/bin/sh -c "exec COMMAND"` in a new process group.
    /// - Throws: `EngineFailure` when the pipes or the process cannot be made.
    static func spawn(_ command: String) throws -> SpawnedProcess {
        try spawnLock.withLock { _ throws -> SpawnedProcess in try spawnLocked(command) }
    }

    private static let spawnLock = Mutex(())

    private static func spawnLocked(_ command: String) throws -> SpawnedProcess {
        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        var wakePipe: [Int32] = [-1, -1]
        var opened: [Int32] = []
        func closeOpened() { for fd in opened { close(fd) } }
        for index in 0..<4 {
            var pair: [Int32] = [-1, -1]
            guard makeCloseOnExecPipe(&pair) == 0 else {
                let reason = String(cString: strerror(errno))
                closeOpened()
                throw EngineFailure(.couldNotStart, "cannot create a pipe for the engine: \(reason)")
            }
            opened += pair
            switch index {
            case 0: stdinPipe = pair
            case 1: stdoutPipe = pair
            case 2: stderrPipe = pair
            default: wakePipe = pair
            }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        // Nothing else the harness holds reaches the engine, not even a descriptor an embedder
        // (or whoever started the harness) left without close-on-exec.
        closeFromThree(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own group, so that killing the group reaches whatever the engine started.
        posix_spawnattr_setpgroup(&attributes, 0)
        // The harness ignores SIGPIPE and may block or catch SIGINT/SIGTERM; the engine must not inherit that.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let arguments = ["/bin/sh", "-c", "exec " + command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, environ)
        guard result == 0 else {
            closeOpened()
            throw EngineFailure(.couldNotStart, "cannot start the engine command `\(command)`: \(String(cString: strerror(result)))")
        }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        let flags = fcntl(stdinPipe[1], F_GETFL)
        _ = fcntl(stdinPipe[1], F_SETFL, flags | O_NONBLOCK)
        let process = SpawnedProcess(
            pid: pid, input: stdinPipe[1], output: stdoutPipe[0], errorOutput: stderrPipe[0],
            exitSignal: (wakePipe[0], wakePipe[1]))
        LiveProcesses.shared.insert(pid)
        process.watchForExit()
        return process
    }

    /// `pipe2(O_CLOEXEC)`: the flag is set as the pipe is made, so a process another thread of
    /// the host forks in between (an embedder's `Process`, say) cannot inherit it. Where pipe2
    /// is missing (Darwin), spawns are serialized by `spawnLock` and the flag follows at once.
    private static func makeCloseOnExecPipe(_ pair: inout [Int32]) -> Int32 {
        if let pipe2 = LibCSymbols.pipe2 { return pipe2(&pair, O_CLOEXEC) }
        guard pipe(&pair) == 0 else { return -1 }
        for fd in pair { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    /// Closes every descriptor from 3 up in the child, after the dups onto 0, 1 and 2 (glibc 2.34
    /// and later; elsewhere close-on-exec alone keeps the harness's own descriptors out).
    private static func closeFromThree(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom = LibCSymbols.addCloseFrom { _ = addCloseFrom(&actions, 3) }
    }

    /// The wait status once the engine has exited and been reaped.
    var exitStatus: Int32? { state.withLock { $0.status } }

    /// How the engine ended, in words.
    var exitDescription: String {
        guard let status = exitStatus else { return "still running" }
        let signal = status & 0x7F
        if signal == 0 { return "exited with status \((status >> 8) & 0xFF)" }
        return "was killed by signal \(signal)"
    }

    /// Kills the engine and everything in its process group. Safe to call at any time: until
    /// the engine is reaped its pid, and so its group id, cannot be reused.
    func killGroup() {
        state.withLock { state in
            if state.status == nil { _ = kill(-pid, SIGKILL) }
        }
    }

    /// Closes the engine's stdin, which tells a well-behaved engine to finish.
    func closeInput() {
        let shouldClose = state.withLock { state -> Bool in
            defer { state.inputClosed = true }
            return !state.inputClosed
        }
        if shouldClose { close(input) }
    }

    /// Waits until the engine has exited and been reaped, or `timeout` has passed.
    /// - Returns: whether it has exited.
    @discardableResult
    func waitForExit(timeout: Duration) async -> Bool {
        let gate = Mutex(false)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeOnce = { @Sendable in
                let first = gate.withLock { resumed -> Bool in
                    defer { resumed = true }
                    return !resumed
                }
                if first { continuation.resume() }
            }
            let exited = state.withLock { state -> Bool in
                if state.status != nil { return true }
                state.waiters.append(resumeOnce)
                return false
            }
            if exited {
                resumeOnce()
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(timeout.nanoseconds)) { resumeOnce() }
        }
        return exitStatus != nil
    }

    /// A thread that waits for the engine to exit, kills the rest of its group before reaping
    /// it (while the group id is still reserved), reaps it, and wakes the pipe readers.
    private func watchForExit() {
        let thread = WorkerThread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            _ = kill(-pid, SIGKILL)
            // Reap the engine and every process of its group that is a child of this process:
            // when the host made itself the subreaper (the `regspec` executable does), the
            // engine's orphans are handed to it, die of the kill above, and are reaped here.
            var status: Int32 = 0
            while true {
                var memberStatus: Int32 = 0
                let reaped = waitpid(-pid, &memberStatus, 0)
                if reaped == pid { status = memberStatus }
                if reaped == -1 && errno != EINTR { break }
            }
            let waiters = state.withLock { state -> [@Sendable () -> Void] in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            LiveProcesses.shared.remove(pid)
            var byte: UInt8 = 1
            _ = write(exitSignalWriter, &byte, 1)
            for waiter in waiters { waiter() }
        }
        thread.name = "regspec engine \(pid) exit"
        thread.start()
    }
}

/// C functions the Glibc module does not export (they are GNU extensions), looked up once.
private enum LibCSymbols {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let pipe2: Pipe2? = lookUp("pipe2")
    static let addCloseFrom: AddCloseFrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")

    private static func lookUp<Function>(_ name: String) -> Function? {
        #if os(Linux)
        // RTLD_DEFAULT is nil on glibc.
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
        #else
        return nil
        #endif
    }
}

extension Duration {
    /// Whole nanoseconds, saturating: never an overflow trap on a huge timeout.
    var nanoseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds < Int64(Int.max / 1_000_000_000) else { return Int.max / 2 }
        return Int(max(0, seconds)) * 1_000_000_000 + Int(max(0, attoseconds) / 1_000_000_000)
    }
}

/// The process groups of every engine still alive, so that a signal or the end of a run can
/// kill them all.
package final class LiveProcesses: Sendable {
    package static let shared = LiveProcesses()
    private let groups = Mutex(Set<pid_t>())

    func insert(_ pid: pid_t) { groups.withLock { _ = $0.insert(pid) } }
    func remove(_ pid: pid_t) { groups.withLock { _ = $0.remove(pid) } }

    /// How many engines are still alive (not yet reaped).
    package var count: Int { groups.withLock { $0.count } }

    /// Waits until every engine has been reaped, or `timeout` has passed: the exit threads
    /// reap asynchronously, and a process that ends before them would leave zombies to an init
    /// that may never collect them.
    /// - Returns: whether none is left.
    @discardableResult
    package func waitUntilNoneLeft(timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while count > 0 && clock.now < deadline {
            // Not `Task.sleep`, which returns at once in a cancelled task: shutting down after
            // a signal must wait for the reaping too, not spin.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(10)) { continuation.resume() }
            }
        }
        return count == 0
    }

    /// Kills every live engine's process group (the last resort of a second signal, from a
    /// dispatch queue, not from a signal handler).
    package func killAll() {
        for pid in groups.withLock({ $0 }) { _ = kill(-pid, SIGKILL) }
    }
}
