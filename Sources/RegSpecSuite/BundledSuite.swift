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

/// The shipped suite (specs/ and fixtures/), compiled into the tool so that `regspec run` with
/// no path works from any directory, and a copied binary needs nothing beside it.
///
/// The loader, the reports and engines read spec and fixture files by path, so the files are
/// written to a cache folder named by their digest. That copy is anyone's to change, so it is
/// never trusted: every use compares each file, byte for byte, with the compiled-in text, and a
/// copy that differs in any way (a file missing, edited or added, a symbolic link anywhere) is
/// replaced by a fresh one, or refused with the reason when it cannot be.
public enum BundledSuite {
    /// Where the verified copy is, and whether it had to be rewritten.
    public struct Extraction: Sendable, Equatable {
        /// The extracted specs/ folder (with fixtures/ beside it).
        public var specsDirectory: String
        /// What was wrong with the copy that was replaced; nil when it was intact or new.
        public var repaired: String?
    }

    /// The extracted specs/ folder (with fixtures/ beside it), verified against the compiled-in files.
    /// - Throws: `BundledSuiteError` naming the folder and the reason when no intact copy can be made.
    public static func specsDirectory() throws(BundledSuiteError) -> String {
        try extract().specsDirectory
    }

    /// An intact copy of the compiled-in files: the cached one when it matches them exactly,
    /// else a fresh one put in its place.
    /// - Throws: `BundledSuiteError` naming the folder and the reason when no intact copy can be made.
    public static func extract() throws(BundledSuiteError) -> Extraction {
        try extract(into: cacheRoot())
    }

    /// As `extract()`, under `cacheRoot`.
    private static func extract(into cacheRoot: String) throws(BundledSuiteError) -> Extraction {
        let root = cacheRoot + "/suite-" + String(EmbeddedSuite.digest.prefix(16))
        // Runs side by side check and repair one at a time, so that none moves aside the fresh
        // copy another has just put in place. Without a lock (a read-only cache) an intact copy
        // is still used; a damaged one is refused below when it cannot be replaced.
        let lock = exclusiveLock(root + ".lock")
        defer {
            if lock >= 0 {
                _ = flock(lock, LOCK_UN)
                close(lock)
            }
        }
        let damage = SuiteCopyCheck.damage(of: root, expected: EmbeddedSuite.files)
        guard let damage else { return Extraction(specsDirectory: root + "/specs") }
        // Write into a private folder, then rename it into place: no run ever sees half a suite.
        let staging = root + ".staging-" + UUID().uuidString
        if let failure = writeFiles(EmbeddedSuite.files, into: staging) {
            try? FileManager.default.removeItem(atPath: staging)
            throw BundledSuiteError(folder: root, damage: damage.isAbsent ? nil : damage.text, reason: failure)
        }
        // The damaged copy (a folder, a file or a symbolic link) is moved aside, never followed.
        var aside: String?
        if !damage.isAbsent {
            let moved = root + ".damaged-" + UUID().uuidString
            if rename(root, moved) == 0 {
                aside = moved
            } else if errno != ENOENT {
                let cause = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: staging)
                throw BundledSuiteError(folder: root, damage: damage.text, reason: "cannot move it aside: \(cause)")
            }
        }
        let placed = rename(staging, root) == 0
        let cause = placed ? "" : String(cString: strerror(errno))
        if !placed { try? FileManager.default.removeItem(atPath: staging) }
        if let aside { removeCopy(aside) }
        // Whichever copy is there now must be intact (another regspec without the lock, or
        // anything else, may have written there meanwhile).
        if let still = SuiteCopyCheck.damage(of: root, expected: EmbeddedSuite.files) {
            throw BundledSuiteError(
                folder: root, damage: still.text, reason: placed ? "it changed while it was being written" : "cannot put a fresh copy in place: \(cause)")
        }
        return Extraction(specsDirectory: root + "/specs", repaired: damage.isAbsent ? nil : damage.text)
    }

    /// The digest of the compiled-in files.
    public static var digest: String { EmbeddedSuite.digest }

    /// `$XDG_CACHE_HOME/regspec`, `~/.cache/regspec`, or the temporary folder.
    private static func cacheRoot() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/regspec" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/regspec" }
        // What NSTemporaryDirectory() gives: $TMPDIR with a trailing slash, or /tmp/.
        let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/"
        return (temporary.hasSuffix("/") ? temporary : temporary + "/") + "regspec"
    }

    /// An open descriptor of `path` holding an exclusive `flock`, or -1 when it cannot be had.
    /// The wait is for another run's check or repair of the same copy: milliseconds.
    private static func exclusiveLock(_ path: String) -> Int32 {
        _ = makeFolders(folder(of: path))
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { return -1 }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            close(descriptor)
            return -1
        }
        return descriptor
    }

    /// Deletes a copy moved aside: a symbolic link itself, not what it points to.
    private static func removeCopy(_ path: String) {
        if SuiteCopyCheck.kind(of: path) == .typeSymbolicLink {
            unlink(path)
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Writes `files` under `folder` with plain system calls, so that a failure names the path
    /// and the operating system's reason (Foundation's errors often say neither); nil when done.
    private static func writeFiles(_ files: [(path: String, bytes: [UInt8])], into folder: String) -> String? {
        for file in files {
            let path = folder + "/" + file.path
            if let failure = makeFolders(self.folder(of: path)) { return failure }
            if let failure = store(file.bytes, to: path, creating: true) { return failure }
        }
        return nil
    }

    /// Writes `bytes` to `path` (a new file when `creating`), or says why it could not, as the
    /// system does: a full disk reads "No space left on device".
    static func store(_ bytes: [UInt8], to path: String, creating: Bool) -> String? {
        let flags = O_WRONLY | O_CLOEXEC | (creating ? O_CREAT | O_EXCL : 0)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { return "cannot create \(path): \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return "cannot write \(path): \(String(cString: strerror(errno)))" }
            written += count
        }
        return nil
    }

    /// `mkdir -p`: each missing folder of `path`, or why one cannot be made.
    private static func makeFolders(_ path: String) -> String? {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                return "cannot create the folder \(current): \(String(cString: strerror(errno)))"
            }
        }
        // An existing file, not a folder, at the last step is reported by the `open` that follows.
        return nil
    }
}

/// The bundled suite could not be put on disk intact.
public struct BundledSuiteError: Error, Sendable, CustomStringConvertible {
    /// The suite's cache folder.
    public var folder: String
    /// What was wrong with the copy found there, if one was.
    public var damage: String?
    /// Why no intact copy could be written.
    public var reason: String

    public var description: String {
        let found = damage.map { "the copy of the bundled suite in \(folder) is damaged (\($0)) and cannot be repaired: " }
            ?? "cannot write the bundled suite to \(folder): "
        return "error: " + found + reason
            + "; remove that folder or make it writable, set XDG_CACHE_HOME to a writable folder, or give spec files as arguments"
    }
}
