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

/// Writes a message into an engine's non-blocking stdin without ever blocking Swift's
/// cooperative pool: what fits in the pipe is written at once; if the engine is not reading,
/// the rest waits on a thread of its own, until the deadline or the engine's exit.
enum PipeWriter {
    enum Failure: Error, Equatable {
        /// The engine did not take the message before the deadline.
        case timedOut(written: Int, total: Int)
        /// The pipe is broken: the engine closed its stdin or exited.
        case broken(String)
    }

    /// Writes all of `bytes` to `process`'s stdin, within `timeout`.
    /// - Throws: `PipeWriter.Failure`.
    static func write(_ bytes: [UInt8], to process: SpawnedProcess, timeout: Duration) async throws(Failure) {
        var written = 0
        switch writeAvailable(bytes, from: &written, to: process.input) {
        case .done: return
        case .broken(let why): throw .broken(why)
        case .full: break
        }
        let remaining = written
        let outcome: Result<Void, Failure> = await withCheckedContinuation { continuation in
            let thread = WorkerThread {
                continuation.resume(returning: finish(bytes, from: remaining, to: process, timeout: timeout))
            }
            thread.name = "regspec engine \(process.pid) stdin"
            thread.start()
        }
        try outcome.get()
    }

    private enum Step {
        case done, full
        case broken(String)
    }

    /// Writes until done, the pipe is full, or it breaks.
    private static func writeAvailable(_ bytes: [UInt8], from written: inout Int, to fd: Int32) -> Step {
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemWrite(fd, base + written, bytes.count - written)
            }
            if count > 0 {
                written += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return .full
            } else {
                return .broken(String(cString: strerror(errno)))
            }
        }
        return .done
    }

    /// The slow path, on its own thread: waits for room in the pipe (or the engine's exit) and
    /// writes, until the deadline.
    private static func finish(_ bytes: [UInt8], from start: Int, to process: SpawnedProcess, timeout: Duration) -> Result<Void, Failure> {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var written = start
        var fds = [
            pollfd(fd: process.input, events: Int16(POLLOUT), revents: 0),
            pollfd(fd: process.exitSignal, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let left = deadline - clock.now
            if left <= .zero { return .failure(.timedOut(written: written, total: bytes.count)) }
            fds[0].revents = 0
            fds[1].revents = 0
            let milliseconds = Int32(clamping: max(1, left.nanoseconds / 1_000_000))
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0 && errno != EINTR { return .failure(.broken(String(cString: strerror(errno)))) }
            if fds[1].revents != 0 { return .failure(.broken("the engine \(process.exitDescription)")) }
            if fds[0].revents & Int16(POLLERR | POLLHUP) != 0 { return .failure(.broken("the engine closed its stdin")) }
            if fds[0].revents == 0 { continue }
            switch writeAvailable(bytes, from: &written, to: process.input) {
            case .done: return .success(())
            case .broken(let why): return .failure(.broken(why))
            case .full: continue
            }
        }
    }
}

/// `write(2)`, under a name the enum's own `write` does not shadow, that never raises SIGPIPE
/// in the host: how a process treats SIGPIPE is the host's choice (the `regspec` executable
/// ignores it), so a library cannot rely on it. SIGPIPE from a pipe write goes to the writing
/// thread; it is blocked on this thread for the write, and one the write raised is consumed
/// before the thread's mask is restored.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    var pipeSignal = sigset_t()
    sigemptyset(&pipeSignal)
    sigaddset(&pipeSignal, SIGPIPE)
    var previousMask = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
    defer { pthread_sigmask(SIG_SETMASK, &previousMask, nil) }
    var pending = sigset_t()
    sigpending(&pending)
    let alreadyPending = sigismember(&pending, SIGPIPE) == 1
    let result = write(fd, bytes, count)
    let writeError = errno
    if result < 0 && writeError == EPIPE && !alreadyPending {
        #if os(Linux)
        var noWait = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&pipeSignal, nil, &noWait)
        #else
        var received: Int32 = 0
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 { _ = sigwait(&pipeSignal, &received) }
        #endif
    }
    errno = writeError
    return result
}
