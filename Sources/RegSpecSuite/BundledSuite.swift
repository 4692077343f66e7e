import Foundation

/// The shipped suite (specs/ and fixtures/), compiled into the tool so that `regspec run` with
/// no path works from any directory, and a copied binary needs nothing beside it.
///
/// The files are written once to a cache folder named by their digest, since the loader, the
/// reports and engines read spec and fixture files by path.
public enum BundledSuite {
    /// The extracted specs/ folder (with fixtures/ beside it).
    /// - Throws: `BundledSuiteError` naming the folder when it cannot be written.
    public static func specsDirectory() throws(BundledSuiteError) -> String {
        let root = cacheRoot() + "/suite-" + String(EmbeddedSuite.digest.prefix(16))
        let marker = root + "/.complete"
        if FileManager.default.fileExists(atPath: marker) { return root + "/specs" }
        // Write into a private folder, then rename it into place: concurrent runs never see half a suite.
        let staging = root + ".staging-" + UUID().uuidString
        do {
            for file in EmbeddedSuite.files {
                let path = staging + "/" + file.path
                try FileManager.default.createDirectory(atPath: folder(of: path), withIntermediateDirectories: true)
                try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
            }
            try Data().write(to: URL(fileURLWithPath: staging + "/.complete"))
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw BundledSuiteError(folder: staging, cause: error)
        }
        if rename(staging, root) != 0 {
            // Another run got there first, or an old incomplete copy is in the way.
            try? FileManager.default.removeItem(atPath: staging)
            if !FileManager.default.fileExists(atPath: marker) { throw BundledSuiteError(folder: root) }
        }
        return root + "/specs"
    }

    /// The digest of the compiled-in files.
    public static var digest: String { EmbeddedSuite.digest }

    /// `$XDG_CACHE_HOME/regspec`, `~/.cache/regspec`, or the temporary folder.
    private static func cacheRoot() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/regspec" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/regspec" }
        return NSTemporaryDirectory() + "regspec"
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// The bundled suite could not be written to disk.
public struct BundledSuiteError: Error, Sendable, CustomStringConvertible {
    public var folder: String
    /// Why the write failed, as the system says it ("No space left on device"); empty when unknown.
    public var reason: String = ""

    public var description: String {
        let why = reason.isEmpty ? "" : " (\(reason))"
        return "error: cannot write the bundled suite to \(folder)\(why); set XDG_CACHE_HOME to a writable folder, or give spec files as arguments"
    }
}

extension BundledSuiteError {
    /// The error of a failed write, with the system's reason: the errno text Foundation wraps.
    init(folder: String, cause: any Error) {
        let underlying = (cause as? CocoaError)?.underlying ?? ((cause as NSError).userInfo[NSUnderlyingErrorKey] as? any Error)
        if let posix = underlying as? POSIXError {
            self.init(folder: folder, reason: String(cString: strerror(posix.code.rawValue)))
        } else if let underlying, (underlying as NSError).domain == NSPOSIXErrorDomain {
            self.init(folder: folder, reason: String(cString: strerror(Int32((underlying as NSError).code))))
        } else {
            self.init(folder: folder, reason: cause.localizedDescription)
        }
    }
}
