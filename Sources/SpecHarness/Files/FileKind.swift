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

/// What is at a path, from `stat(2)`, following symbolic links.
package enum FileKind: Sendable, Equatable {
    case missing
    case regularFile
    case directory
    /// A FIFO, a device, a socket: nothing the loader reads as a spec file.
    case special

    package static func of(_ path: String) -> FileKind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        default: return .special
        }
    }

    /// The size in bytes of a regular file, or nil.
    package static func size(of path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }
}

extension LexicalPath {
    /// The absolute path with every symbolic link resolved, when the file exists; what two
    /// spellings of one file have in common.
    package var resolved: LexicalPath? {
        guard let pointer = realpath(text, nil) else { return nil }
        defer { free(pointer) }
        return LexicalPath(String(cString: pointer))
    }
}
