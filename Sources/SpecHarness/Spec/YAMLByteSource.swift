#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where libyaml reads a document from: a file streamed in blocks, or bytes in memory, never
/// more than `limit` bytes, so no input (a FIFO, `/dev/zero`, a huge file) is read without end.
final class YAMLByteSource {
    enum Origin {
        case file(UnsafeMutablePointer<FILE>)
        case bytes([UInt8])
    }

    private let origin: Origin
    let limit: Int
    private(set) var bytesRead = 0
    /// Set when the input went past `limit`; libyaml then reports a reader error.
    private(set) var exceededLimit = false

    init(origin: Origin, limit: Int) {
        self.origin = origin
        self.limit = limit
    }

    /// Opens a file for streaming.
    /// - Returns: nil when it cannot be opened (it is missing, a directory, or unreadable).
    static func file(atPath path: String, limit: Int) -> YAMLByteSource? {
        guard let handle = fopen(path, "rb") else { return nil }
        return YAMLByteSource(origin: .file(handle), limit: limit)
    }

    deinit {
        if case .file(let handle) = origin { fclose(handle) }
    }

    /// Copies up to `size` bytes to `buffer`, as libyaml's read handler does.
    /// - Returns: the count read (0 at the end), or nil on an I/O error or past the limit.
    func read(into buffer: UnsafeMutablePointer<UInt8>, size: Int) -> Int? {
        let wanted = min(size, limit - bytesRead + 1)
        var count = 0
        switch origin {
        case .file(let handle):
            count = fread(buffer, 1, wanted, handle)
            if count == 0, ferror(handle) != 0 { return nil }
        case .bytes(let bytes):
            count = max(0, min(wanted, bytes.count - bytesRead))
            bytes.withUnsafeBufferPointer { source in
                guard count > 0, let start = source.baseAddress else { return }
                buffer.update(from: start + bytesRead, count: count)
            }
        }
        bytesRead += count
        if bytesRead > limit {
            exceededLimit = true
            return nil
        }
        return count
    }

    /// Whether the input can be read from any offset, and again from the start: bytes in memory
    /// or a regular file. A pipe or a device is read once, front to back.
    var isRereadable: Bool {
        switch origin {
        case .bytes: return true
        case .file(let handle):
            var status = stat()
            return fstat(fileno(handle), &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        }
    }

    /// Copies up to `count` bytes from `offset` to `buffer`, without moving the stream `read`
    /// uses (a pre-pass reads the input this way, then libyaml reads it from the start).
    /// - Returns: the count copied (less than asked only at the end), or nil on an I/O error.
    func read(at offset: Int, into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> Int? {
        switch origin {
        case .bytes(let bytes):
            let available = max(0, min(count, bytes.count - offset))
            bytes.withUnsafeBufferPointer { source in
                guard available > 0, let start = source.baseAddress else { return }
                buffer.update(from: start + offset, count: available)
            }
            return available
        case .file(let handle):
            var done = 0
            while done < count {
                let got = pread(fileno(handle), buffer + done, count - done, off_t(offset + done))
                if got < 0 {
                    if errno == EINTR { continue }
                    return nil
                }
                if got == 0 { break }
                done += got
            }
            return done
        }
    }

    /// The first `count` bytes of the input, read again, to turn a byte offset into a line and column.
    func prefix(_ count: Int) -> [UInt8] {
        switch origin {
        case .bytes(let bytes):
            return Array(bytes.prefix(count))
        case .file(let handle):
            guard fseek(handle, 0, SEEK_SET) == 0 else { return [] }
            var result = [UInt8](repeating: 0, count: max(0, min(count, limit)))
            let read = result.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress.map { fread($0, 1, buffer.count, handle) } ?? 0
            }
            return Array(result.prefix(read))
        }
    }
}

/// Line and column (1-based, columns in characters, as libyaml counts them) of a byte offset.
enum TextPosition {
    static func of(byteOffset offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let end = min(offset, bytes.count)
        if bytes.count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) {
            return ofUTF16(byteOffset: end, in: bytes, bigEndian: bytes[0] == 0xFE)
        }
        var line = 1, column = 1
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A || (byte == 0x0D && (index + 1 >= bytes.count || bytes[index + 1] != 0x0A)) {
                line += 1
                column = 1
            } else if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0x85 {
                line += 1
                column = 1
                index += 1
            } else if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 {
                line += 1
                column = 1
                index += 2
            } else if byte & 0xC0 != 0x80 && byte != 0x0D {
                column += 1
            }
            index += 1
        }
        return (line, column)
    }

    private static func ofUTF16(byteOffset end: Int, in bytes: [UInt8], bigEndian: Bool) -> (line: Int, column: Int) {
        var line = 1, column = 1
        var index = 2
        while index + 1 < end {
            let unit = bigEndian ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])
            switch unit {
            case 0x0A, 0x85, 0x2028, 0x2029: line += 1; column = 1
            case 0x0D: break
            case 0xDC00...0xDFFF: break
            default: column += 1
            }
            index += 2
        }
        return (line, column)
    }
}
