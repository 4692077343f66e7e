/// Path arithmetic on plain strings, because Foundation's `deletingLastPathComponent` traps on
/// one-character relative paths on Linux (`--output r`).
package enum ReportPath {
    /// The folder part: `.` for `r` and `./r`, `/` for `/r`, `d` for `d/r`.
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        if directory.isEmpty { return "/" }
        return directory
    }

    /// The last part: `r` for `r`, `./r`, `/r` and `d/r`.
    package static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
