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
import Synchronization

/// Reads an engine's pipe on its own thread (reads block), until the pipe ends or the engine
/// has exited: a helper the engine started may hold the pipe open long after it.
enum StreamReader {
    /// Lines longer than this end the stream: an engine that writes one is broken. A run reply
    /// carries a case's requests, well under this; the bound keeps a hostile 100 MB line from
    /// costing several times its size.
    static let maximumLineBytes = 32 << 20
    /// After the engine has exited, at most this much more is read from a pipe still open.
    static let maximumBytesAfterExit = 1 << 20

    /// Starts a thread that pushes every line of the engine's stdout into `buffer`, then closes
    /// it; while it waits for the engine, it runs the jobs of `executor` (see `EngineExecutor`).
    static func start(_ process: SpawnedProcess, into buffer: LineBuffer, serving executor: EngineExecutor? = nil) {
        let thread = WorkerThread {
            executor?.attach()
            var pending: [UInt8] = []
            let reason = pump(process.output, exitSignal: process.exitSignal, serving: executor) { chunk in
                // Only the new bytes can hold a newline: scanning all of `pending` again
                // would make a long line cost quadratic time.
                var lineStart = 0
                let scanFrom = pending.count
                pending.append(contentsOf: chunk)
                var lines: [String] = []
                for index in scanFrom..<pending.count where pending[index] == 0x0A {
                    lines.append(String(decoding: pending[lineStart..<index], as: UTF8.self))
                    lineStart = index + 1
                }
                if lineStart > 0 { pending.removeFirst(lineStart) }
                // All at once, so that a reader sees a second reply written with the first.
                if !lines.isEmpty { buffer.push(contentsOf: lines) }
                if pending.count > maximumLineBytes {
                    return "the engine wrote a line longer than \(maximumLineBytes >> 20) MiB"
                }
                return nil
            }
            pending = []
            switch reason {
            case .endOfFile:
                buffer.close("the engine closed its stdout (it exited or crashed)")
            case .exited:
                buffer.close("the engine \(process.exitDescription) (a process it started still holds its stdout)")
            case .stopped(let why):
                buffer.close(why)
            }
            executor?.detach()
        }
        thread.name = "regspec engine \(process.pid) stdout"
        thread.start()
    }

    /// Starts a thread that keeps the last bytes of the engine's stderr, for error reports.
    static func startTail(_ process: SpawnedProcess, into tail: OutputTail) {
        tail.writerStarted()
        let thread = WorkerThread {
            _ = pump(process.errorOutput, exitSignal: process.exitSignal) { chunk in
                tail.append(chunk)
                return nil
            }
            tail.writerFinished()
        }
        thread.name = "regspec engine \(process.pid) stderr"
        thread.start()
    }

    enum End {
        case endOfFile
        case exited
        case stopped(String)
    }

    /// Reads `fd` until end of file, the consumer stops, or the engine exits (then drains what
    /// is left, bounded); closes `fd`. Between reads it runs `executor`'s jobs, and wakes for
    /// new ones as for input.
    private static func pump(_ fd: Int32, exitSignal: Int32, serving executor: EngineExecutor? = nil, consume: ([UInt8]) -> String?) -> End {
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        // poll(2) skips a negative descriptor: without an executor, the third entry is inert.
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: exitSignal, events: Int16(POLLIN), revents: 0),
            pollfd(fd: executor?.wakeDescriptor ?? -1, events: Int16(POLLIN), revents: 0),
        ]
        var afterExit: Int?
        while true {
            if afterExit == nil {
                if let executor {
                    executor.runQueuedJobs()
                    guard executor.prepareToSleep() else { continue }
                }
                fds[0].revents = 0
                fds[1].revents = 0
                fds[2].revents = 0
                let ready = poll(&fds, 3, -1)
                executor?.woke(drainingWakePipe: fds[2].revents != 0)
                if ready < 0 {
                    if errno == EINTR { continue }
                    return .endOfFile
                }
                if fds[0].revents == 0 && fds[1].revents == 0 { continue }
                if fds[0].revents == 0 {
                    // Only the exit signal: the engine is gone, drain what it left without waiting.
                    let flags = fcntl(fd, F_GETFL)
                    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
                    afterExit = 0
                    continue
                }
            }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return .endOfFile }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN && afterExit != nil { return .exited }
                return .endOfFile
            }
            if let drained = afterExit {
                afterExit = drained + count
                if drained + count > maximumBytesAfterExit { return .exited }
            }
            if let why = consume(Array(chunk[0..<count])) { return .stopped(why) }
        }
    }
}

/// The last bytes an engine wrote to stderr: a ring of fixed size, however much it logs.
final class OutputTail: Sendable {
    static let keptBytes = 4096
    private let ring = Mutex(ByteRing(capacity: keptBytes))

    func append(_ bytes: [UInt8]) {
        ring.withLock { $0.append(bytes) }
    }

    /// Readers still copying an engine's stderr into the ring.
    private let writers = Mutex(0)

    func writerStarted() { writers.withLock { $0 += 1 } }
    func writerFinished() { writers.withLock { $0 -= 1 } }

    /// The text once the readers of engines that were just stopped have copied what those
    /// engines wrote last (a crash's message arrives after its stdout closes), waiting at
    /// most `limit`.
    func settledText(within limit: Duration = .milliseconds(500)) async -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while writers.withLock({ $0 }) > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return text
    }

    /// The kept text, last lines only.
    var text: String {
        let text = ring.withLock { String(decoding: $0.contents, as: UTF8.self) }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).joined(separator: "\n")
            .trimmingWhitespaceAndNewlines()
    }

    /// How many bytes are kept: never more than `keptBytes`.
    var keptCount: Int { ring.withLock { $0.count } }

    func clear() {
        ring.withLock { $0.removeAll() }
    }
}

/// The last `capacity` bytes appended, in storage allocated once.
struct ByteRing: Sendable {
    private var storage: [UInt8]
    private var start = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = [UInt8](repeating: 0, count: max(1, capacity))
    }

    mutating func append(_ bytes: [UInt8]) {
        let capacity = storage.count
        // Of a chunk longer than the ring, only its end can survive.
        let kept = bytes.count > capacity ? bytes[(bytes.count - capacity)...] : bytes[...]
        for byte in kept {
            storage[(start + count) % capacity] = byte
            if count < capacity {
                count += 1
            } else {
                start = (start + 1) % capacity
            }
        }
    }

    var contents: [UInt8] {
        (0..<count).map { storage[(start + $0) % storage.count] }
    }

    mutating func removeAll() {
        start = 0
        count = 0
    }
}
