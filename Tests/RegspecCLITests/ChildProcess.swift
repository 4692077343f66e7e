#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A child process awaited without holding a thread of Swift's cooperative pool: its output
/// is read, and its exit waited for, on threads of their own. Tests that block the pool on a
/// subprocess starve every other test running beside them (two threads on CI machines).
final class ChildProcess: Sendable {
    /// What a finished child left.
    struct Outcome: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The largest resident set of the child (or of a descendant it reaped), in KiB.
        var maximumResidentKiB: Int
    }

    let pid: pid_t
    private let finished = Promise<Outcome>()

    /// Starts `executable` with `arguments` in `directory`.
    init(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws {
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else { throw POSIXError(.EMFILE) }
        for fd in stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        // env -C changes directory, then execs in the same process (posix_spawn's chdir is not in Glibc's module).
        let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env", "-C", directory, executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard result == 0 else {
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL)
        }
        self.pid = pid
        let (output, errorOutput, child) = (stdoutPipe[0], stderrPipe[0], pid)
        // One thread reads both pipes to their end, then reaps the child.
        Thread { [finished] in
            let (stdout, stderr) = Self.readBoth(output, errorOutput)
            var status: Int32 = 0
            var usage = rusage()
            while wait4(child, &status, 0, &usage) == -1 && errno == EINTR {}
            let signal = status & 0x7F
            finished.fulfil(Outcome(
                status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal,
                stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
                maximumResidentKiB: usage.ru_maxrss))
        }.start()
    }

    /// Waits for the child to exit and its output to end; the exit status is as a shell gives
    /// it (128 + the signal when killed by one).
    func outcome() async -> Outcome {
        await finished.value
    }

    /// Sends `signal` to the child.
    func send(_ signal: Int32) {
        kill(pid, signal)
    }

    private static func readBoth(_ first: Int32, _ second: Int32) -> ([UInt8], [UInt8]) {
        var outputs: [[UInt8]] = [[], []]
        var fds = [pollfd(fd: first, events: Int16(POLLIN), revents: 0), pollfd(fd: second, events: Int16(POLLIN), revents: 0)]
        var chunk = [UInt8](repeating: 0, count: 65536)
        var open = 2
        while open > 0 {
            if poll(&fds, 2, -1) < 0 { if errno == EINTR { continue } else { break } }
            for index in 0..<2 where fds[index].fd >= 0 && fds[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    close(fds[index].fd)
                    fds[index].fd = -1
                    open -= 1
                } else {
                    outputs[index] += chunk[0..<count]
                }
            }
        }
        return (outputs[0], outputs[1])
    }
}

/// A value set once by one thread and awaited by any number of tasks.
final class Promise<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiters: [CheckedContinuation<Value, Never>])>((nil, []))

    func fulfil(_ value: Value) {
        let waiters = state.withLock { state in
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Value? in
                    if let value = state.value { return value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// Whether any of `pids` still exists, as a live process or a zombie nobody reaped.
func leftoverProcesses(_ pids: [pid_t]) -> [String] {
    pids.compactMap { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // The field after the parenthesized name is the state: Z for a zombie.
        let state = stat.split(separator: ")").last?.split(separator: " ").first ?? "?"
        return "\(pid) (state \(state))"
    }
}

/// The processes of `pids` still there once `deadline` has passed, polled: engines are killed
/// and reaped on threads of their own, which a loaded machine may run late.
func leftoverProcesses(_ pids: [pid_t], within deadline: Duration) async -> [String] {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while !leftoverProcesses(pids).isEmpty && clock.now < end {
        try? await Task.sleep(for: .milliseconds(50))
    }
    return leftoverProcesses(pids)
}

/// The pids a stand-in engine recorded in `folder`/pids.
func recordedPIDs(in folder: String) -> [pid_t] {
    ((try? String(contentsOfFile: folder + "/pids", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
}
