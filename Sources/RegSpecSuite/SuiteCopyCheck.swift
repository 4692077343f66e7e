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

/// Compares an extracted copy of the suite with the compiled-in files: what differs, in words.
///
/// Only `specs/` and `fixtures/` are read by a run, so only they are compared; the walk never
/// follows a symbolic link and stops early on a tree far larger than the suite.
enum SuiteCopyCheck {
    /// What is wrong with a copy; `isAbsent` when there is none yet (nothing to repair).
    struct Damage: Sendable, Equatable {
        var text: String
        var isAbsent = false
    }

    /// How many names of each kind of difference a message lists before "and N more".
    static let listed = 3

    /// Why the copy in `root` is not exactly `expected`, or nil when it is.
    static func damage(of root: String, expected: [(path: String, bytes: [UInt8])]) -> Damage? {
        switch kind(of: root) {
        case nil: return Damage(text: "it does not exist", isAbsent: true)
        case .typeDirectory?: break
        case .typeSymbolicLink?:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: root)).map { " to \(escaped($0))" } ?? ""
            return Damage(text: "it is a symbolic link\(target), not a folder of its own")
        default: return Damage(text: "it is not a folder")
        }
        var found: [String] = []
        var strange: [String] = []
        let limit = expected.count * 4 + 64
        for top in ["specs", "fixtures"] {
            walk(root, relative: top, depth: 0, limit: limit, files: &found, strange: &strange)
        }
        let wanted = Dictionary(expected.map { ($0.path, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        let present = Set(found)
        let missing = expected.map(\.path).filter { !present.contains($0) }
        let extra = found.filter { wanted[$0] == nil }.sorted()
        let edited = expected.filter { present.contains($0.path) }.filter { file in
            let path = root + "/" + file.path
            let bytes = Data(file.bytes)
            // The size first: a huge file put there is not read.
            var info = stat()
            let size: Int? = lstat(path, &info) == 0 ? Int(info.st_size) : nil
            return size != bytes.count || FileManager.default.contents(atPath: path) != bytes
        }.map(\.path)
        var problems: [String] = []
        if !missing.isEmpty { problems.append("\(missing.count) of its \(expected.count) files missing: \(names(missing))") }
        if !edited.isEmpty { problems.append("\(edited.count) file(s) differ from the compiled-in suite: \(names(edited))") }
        if !extra.isEmpty { problems.append("\(extra.count) file(s) that are not part of it: \(names(extra))") }
        if !strange.isEmpty { problems.append("\(strange.count) symbolic link(s) or special file(s): \(names(strange))") }
        return problems.isEmpty ? nil : Damage(text: problems.joined(separator: "; "))
    }

    /// The type of the item at `path` itself (a link is not followed), or nil when there is none.
    static func kind(of path: String) -> FileAttributeType? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return attributes[.type] as? FileAttributeType
    }

    /// Collects the regular files under `root/relative`, and whatever else is neither a file nor a folder.
    private static func walk(_ root: String, relative: String, depth: Int, limit: Int, files: inout [String], strange: inout [String]) {
        guard files.count + strange.count < limit else { return }
        let path = root + "/" + relative
        switch kind(of: path) {
        case nil: return
        case .typeRegular?: files.append(relative)
        case .typeDirectory? where depth < 16:
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in names.sorted() {
                walk(root, relative: relative + "/" + name, depth: depth + 1, limit: limit, files: &files, strange: &strange)
            }
        default: strange.append(relative)
        }
    }

    private static func names(_ paths: [String]) -> String {
        let shown = paths.prefix(listed).map(escaped).joined(separator: ", ")
        return paths.count > listed ? shown + " and \(paths.count - listed) more" : shown
    }

    /// A path with control and formatting characters written as `\u{…}`: names in the cache
    /// folder can be anything, and the message goes to a terminal.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            let printable = scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value)
                && !scalar.properties.isDefaultIgnorableCodePoint && scalar.properties.generalCategory != .format
            if printable {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return result
    }
}
