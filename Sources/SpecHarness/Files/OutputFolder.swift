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

/// A folder a command will write into later, checked before the work: an hour of exploring
/// must not end in "cannot write" because `--out` names a file, a link to nothing or a
/// read-only place.
package enum OutputFolder {
    /// Checks that `path` is a writable folder, or that it can be created: its nearest
    /// existing ancestor is a writable folder.
    /// - Throws: `OutputFolderError` saying what `path` (or the ancestor) is instead.
    package static func check(_ path: String) throws(OutputFolderError) {
        var candidate = LexicalPath(path)
        var isAncestor = false
        for _ in 0..<4096 {
            if let target = danglingLinkTarget(candidate.text) {
                throw OutputFolderError(path: path, reason: isAncestor
                    ? "\(UserText.quoted(candidate.text)) in it is a symbolic link to nothing (\(UserText.quoted(target)))"
                    : "it is a symbolic link to nothing (\(UserText.quoted(target)))")
            }
            switch FileKind.of(candidate.text) {
            case .directory:
                guard access(candidate.text, W_OK | X_OK) == 0 else {
                    throw OutputFolderError(path: path, reason: isAncestor
                        ? "the folder \(UserText.quoted(candidate.text)) it would be created in is not writable"
                        : "the folder is not writable")
                }
                return
            case .regularFile, .special:
                throw OutputFolderError(path: path, reason: isAncestor
                    ? "\(UserText.quoted(candidate.text)) in it is not a folder"
                    : "it exists and is not a folder")
            case .missing:
                let parent = candidate.parent
                guard parent.text != candidate.text else { return }
                candidate = parent
                isAncestor = true
            }
        }
    }

    /// Where a symbolic link at `path` points, when that is nothing.
    private static func danglingLinkTarget(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK, stat(path, &info) != 0 else { return nil }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
    }
}

/// An output folder that cannot be written, found before the work that would fill it.
package struct OutputFolderError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String

    package var description: String {
        "error: cannot write into \(UserText.quoted(path)): \(reason); choose another folder"
    }
}
