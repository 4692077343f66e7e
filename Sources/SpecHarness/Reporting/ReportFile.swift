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

/// Writes report files so that a reader never sees half a report.
///
/// A regular file (or a new one) is written to a temporary file beside it and renamed over it;
/// anything else (`/dev/stdout`, a FIFO, a terminal) is written in place, since renaming would
/// replace the device with a regular file. A failed write is an error, and leaves no partial
/// report under the final name.
package enum ReportFile {
    /// - Throws: `ReportWriteError` naming the path and what went wrong.
    package static func write(_ text: String, to path: String) throws(ReportWriteError) {
        let bytes = Array(text.utf8)
        // Device paths (/dev/stdout, /proc/self/fd/1) stand for an open file: writing elsewhere
        // and renaming would leave the redirected file empty.
        if path.hasPrefix("/dev/") || path.hasPrefix("/proc/") {
            try writeInPlace(bytes, to: path)
            return
        }
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG {
            if (status.st_mode & S_IFMT) == S_IFDIR { throw ReportWriteError(path: path, reason: "it is a directory") }
            try writeInPlace(bytes, to: path)
            return
        }
        try writeAtomically(bytes, to: path)
    }

    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws(ReportWriteError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReportWriteError(path: path, errno: errno) }
        defer { close(descriptor) }
        try writeAll(bytes, to: descriptor, path: path)
    }

    private static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ReportWriteError) {
        // Follow a symbolic link so the rename replaces its target, not the link.
        var target = path
        var linkStatus = stat()
        if lstat(path, &linkStatus) == 0, (linkStatus.st_mode & S_IFMT) == S_IFLNK, let resolved = realpath(path, nil) {
            target = String(cString: resolved)
            free(resolved)
        }
        let directory = ReportPath.directory(of: target)
        try createDirectories(directory, for: path)
        var template = Array("\(directory)/.\(ReportPath.fileName(of: target)).regspec-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard descriptor >= 0 else { throw ReportWriteError(path: path, errno: errno) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do throws(ReportWriteError) {
            try writeAll(bytes, to: descriptor, path: path)
            // Reports are read by other people: rw-r--r-- as a plain file would be, not mkstemp's 0600.
            fchmod(descriptor, 0o644)
            guard fsync(descriptor) == 0 || errno == EINVAL else { throw ReportWriteError(path: path, errno: errno) }
            close(descriptor)
            guard rename(temporary, target) == 0 else { throw ReportWriteError(path: path, errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(ReportWriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                systemWrite(descriptor, buffer.baseAddress, buffer.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ReportWriteError(path: path, errno: errno)
            }
            offset += written
        }
    }

    private static func createDirectories(_ directory: String, for path: String) throws(ReportWriteError) {
        var info = stat()
        if stat(directory, &info) == 0 {
            if info.st_mode & S_IFMT != S_IFDIR { throw ReportWriteError(path: path, reason: "\(directory) is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportWriteError(path: path, reason: "cannot create the directory \(directory)")
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

/// A report that could not be written, with the path and the reason in words.
package struct ReportWriteError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String

    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)).lowercased())
    }

    package var description: String {
        "error: cannot write the report \(path): \(reason); choose another path or free the space"
    }
}

extension ReportFile {
    /// Appends to a file, creating it: for `$GITHUB_STEP_SUMMARY`, which other steps also write.
    package static func append(_ text: String, to path: String) throws(ReportWriteError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ReportWriteError(path: path, errno: errno) }
        defer { close(descriptor) }
        try writeAll(Array(text.utf8), to: descriptor, path: path)
    }
}
