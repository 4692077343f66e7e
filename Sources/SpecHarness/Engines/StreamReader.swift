import Foundation
import Synchronization

/// Reads a pipe on its own thread (reads block), splitting it into lines.
enum StreamReader {
    /// Lines longer than this end the stream: an engine that writes one is broken.
    static let maximumLineBytes = 256 << 20

    /// Starts a thread that pushes every line of `handle` into `buffer`, then closes it.
    static func start(_ handle: FileHandle, into buffer: LineBuffer) {
        let thread = Thread {
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty {
                    buffer.close("the engine closed its stdout (it exited or crashed)")
                    return
                }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = pending[pending.startIndex..<newline]
                    buffer.push(String(decoding: line, as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
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
