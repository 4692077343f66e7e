#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines read from a descriptor through a buffer of its own: one `read` brings a whole
/// message of the protocol, where `readLine`'s stdio buffer (4 KiB on a pipe) takes several.
/// What `regspec serve` reads the harness with; reads block, on the caller's thread.
package struct LineReader {
    package enum Event: Equatable {
        case line(String)
        /// A line longer than `maximumLineBytes`, skipped up to its newline.
        case tooLong
        /// End of input, or a read error.
        case end
    }

    /// Lines longer than this are skipped by default: the harness that sent one is broken, and
    /// the bound keeps it from costing memory without limit.
    package static let defaultMaximumLineBytes = StreamReader.maximumLineBytes

    package let maximumLineBytes: Int

    private let descriptor: Int32
    /// Bytes read and not yet handed out are `storage[start..<filled]`; the rest is room.
    private var storage: [UInt8]
    private var start = 0
    private var filled = 0
    /// How far from `start` a newline was looked for already.
    private var scanned = 0
    private var skipping = false
    private var ended = false

    package init(descriptor: Int32, chunkBytes: Int = 64 << 10, maximumLineBytes: Int = defaultMaximumLineBytes) {
        self.descriptor = descriptor
        self.maximumLineBytes = maximumLineBytes
        storage = [UInt8](repeating: 0, count: max(1, chunkBytes))
    }

    /// The next line without its newline (and without a carriage return before it).
    package mutating func next() -> Event {
        while true {
            if let newline = storage[(start + scanned)..<filled].firstIndex(of: UInt8(ascii: "\n")) {
                let lineStart = start
                start = newline + 1
                scanned = 0
                if skipping || newline - lineStart > maximumLineBytes {
                    skipping = false
                    return .tooLong
                }
                return .line(text(lineStart..<newline))
            }
            scanned = filled - start
            if scanned > maximumLineBytes {
                // Keep nothing of it; what follows up to its newline is dropped too.
                skipping = true
                start = 0
                filled = 0
                scanned = 0
            }
            if ended || !fill() {
                ended = true
                if skipping {
                    // The overlong last line ends with the input: none of it is read as a line.
                    skipping = false
                    start = filled
                    scanned = 0
                    return .tooLong
                }
                // A last line without a newline is still a line, as `readLine` reads it.
                guard start < filled else { return .end }
                let lineStart = start
                start = filled
                scanned = 0
                return .line(text(lineStart..<filled))
            }
        }
    }

    private func text(_ range: Range<Int>) -> String {
        let end = range.upperBound > range.lowerBound && storage[range.upperBound - 1] == UInt8(ascii: "\r") ? range.upperBound - 1 : range.upperBound
        return String(decoding: storage[range.lowerBound..<end], as: UTF8.self)
    }

    /// Reads what is there, up to the room left; false at end of input or on an error.
    private mutating func fill() -> Bool {
        if start > 0 {
            // Move the unread bytes to the front, so the room is at the end.
            storage.withUnsafeMutableBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                memmove(base, base + start, filled - start)
            }
            filled -= start
            start = 0
        }
        if filled == storage.count { storage.append(contentsOf: repeatElement(0, count: storage.count)) }
        while true {
            let count = storage.withUnsafeMutableBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return -1 }
                return read(descriptor, base + filled, bytes.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            filled += count
            return true
        }
    }
}
