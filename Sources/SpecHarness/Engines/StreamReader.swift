import Foundation
import Synchronization

/// Reads a pipe on its own thread (reads block), splitting it into lines.
enum StreamReader {
    /// Lines longer than this end the stream: an engine that writes one is broken.
    static let maximumLineBytes = 256 << 20

    /// Starts a thread that pushes every line of `handle` into `buffer`, then closes it.
    static func start(_ handle: FileHandle, into buffer: LineBuffer) {
        let thread = Thread {
            var pending: [UInt8] = []
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty {
                    buffer.close("the engine closed its stdout (it exited or crashed)")
                    return
                }
                // Only the new bytes can hold a newline: scanning all of `pending` again
                // would make a long line cost quadratic time.
                var lineStart = 0
                let scanFrom = pending.count
                pending.append(contentsOf: chunk)
                for index in scanFrom..<pending.count where pending[index] == 0x0A {
                    buffer.push(String(decoding: pending[lineStart..<index], as: UTF8.self))
                    lineStart = index + 1
                }
                if lineStart > 0 { pending.removeFirst(lineStart) }
                if pending.count > maximumLineBytes {
                    buffer.close("the engine wrote a line longer than \(maximumLineBytes >> 20) MiB")
                    return
                }
            }
        }
        thread.start()
    }

    /// Starts a thread that keeps the last lines of `handle`, for error reports.
    static func startTail(_ handle: FileHandle, into tail: OutputTail) {
        let thread = Thread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                tail.append(chunk)
            }
        }
        thread.start()
    }
}

/// The last few kilobytes an engine wrote to stderr.
final class OutputTail: Sendable {
    static let keptBytes = 4096
    private let storage = Mutex(Data())

    func append(_ data: Data) {
        storage.withLock { stored in
            stored.append(data)
            if stored.count > Self.keptBytes { stored = stored.suffix(Self.keptBytes) }
        }
    }

    /// The kept text, last lines only.
    var text: String {
        let text = storage.withLock { String(decoding: $0, as: UTF8.self) }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func clear() {
        storage.withLock { $0 = Data() }
    }
}
