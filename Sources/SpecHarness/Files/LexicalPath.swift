/// A file path handled as text, so no input path can reach Foundation's path APIs.
///
/// On Linux, `NSString.deletingLastPathComponent` traps on a one-character relative path
/// (`x`, the `t` of `t/legacy.yaml`), and every path here comes from a command line or a
/// spec file. The rules are POSIX's, lexical only: nothing touches the file system, so `..`
/// after a symbolic link is kept as written.
package struct LexicalPath: Sendable, Hashable, CustomStringConvertible {
    /// The path as given; never empty (an empty path means the current directory, `.`).
    package let text: String

    package init(_ text: String) {
        self.text = text.isEmpty ? "." : text
    }

    package var description: String { text }

    package var isAbsolute: Bool { text.utf8.first == UInt8(ascii: "/") }

    /// The components between slashes, without empty ones (`a//b/` is `a`, `b`).
    package var components: [Substring] {
        text.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// The last component, or `/` for the root; `x` for `x`, `./x` and `/x`.
    package var lastComponent: String {
        components.last.map(String.init) ?? (isAbsolute ? "/" : ".")
    }

    /// The folder holding this path, as `dirname(1)` gives it: `t` for `t/x.yaml`, `.` for `x`, `/` for `/x`.
    package var parent: LexicalPath {
        var parts = components
        guard !parts.isEmpty else { return self }
        parts.removeLast()
        if parts.isEmpty { return LexicalPath(isAbsolute ? "/" : ".") }
        return LexicalPath((isAbsolute ? "/" : "") + parts.joined(separator: "/"))
    }

    /// `other` inside this folder; `other` itself when it is absolute.
    package func appending(_ other: String) -> LexicalPath {
        let relative = LexicalPath(other)
        if relative.isAbsolute { return relative }
        if text == "." { return relative }
        let base = text.hasSuffix("/") ? String(text.dropLast(while: { $0 == "/" })) : text
        return LexicalPath((base.isEmpty ? "" : base) + "/" + other)
    }

    /// The same place without `.`, repeated slashes or `name/..` pairs, e.g. to compare two
    /// spellings of one fixture path. A leading `..` of a relative path stays.
    package var normalized: LexicalPath {
        var kept: [Substring] = []
        for part in components {
            switch part {
            case ".": continue
            case "..":
                if let last = kept.last, last != ".." { kept.removeLast() } else if !isAbsolute { kept.append(part) }
            default: kept.append(part)
            }
        }
        let joined = kept.joined(separator: "/")
        if isAbsolute { return LexicalPath("/" + joined) }
        return LexicalPath(joined.isEmpty ? "." : joined)
    }

    /// The extension after the last dot of the last component, without the dot; empty when there is none.
    package var pathExtension: String {
        let name = lastComponent
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }
}

extension String {
    fileprivate func dropLast(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex {
            let before = index(before: end)
            guard predicate(self[before]) else { break }
            end = before
        }
        return self[startIndex..<end]
    }
}
