/// A string compared as its sequence of Unicode scalars, as Python compares `str` and JSON
/// compares object keys.
///
/// Swift's `String ==` (and so `Set<String>`, `Dictionary<String, _>`) uses canonical
/// equivalence: "café" with U+00E9 equals "cafe\u{301}". Names and metric keys must not
/// (semantics section 2): an engine could otherwise hide an extra entry under a second
/// spelling of a name.
public struct ScalarKey: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let string: String

    @inlinable
    public init(_ string: String) {
        self.string = string
    }

    @inlinable
    public init(stringLiteral value: String) {
        string = value
    }

    public var description: String { string }

    @inlinable
    public static func == (lhs: ScalarKey, rhs: ScalarKey) -> Bool {
        same(lhs.string, rhs.string)
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        // UTF-8 is a one-to-one encoding of the scalars, so equal bytes mean equal scalars.
        var bytes = string  // withUTF8 makes a copy contiguous where the original is not
        bytes.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(string.utf8.count)
    }

    /// Whether two strings hold the same Unicode scalars (no normalization).
    @inlinable
    public static func same(_ lhs: String, _ rhs: String) -> Bool {
        // Keys are compared on every lookup (a small ordered dictionary scans its keys), and
        // most pairs differ in length: the count, O(1) for native strings, settles those.
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        // Native strings (nearly all) compare their contiguous bytes; the generic walk over
        // two UTF-8 views is several times slower.
        let contiguous = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in left.elementsEqual(right) }
        }
        guard let result = contiguous ?? nil else { return lhs.utf8.elementsEqual(rhs.utf8) }
        return result
    }

    /// Whether two lists of strings are equal scalar by scalar.
    public static func same(_ lhs: [String], _ rhs: [String]) -> Bool {
        lhs.elementsEqual(rhs, by: same)
    }

    /// `name` quoted for a message; with its non-ASCII scalars escaped (`\u{301}`) when a
    /// different spelling among `others` looks the same, so that a reader can tell them apart.
    public static func quoted(_ name: String, among others: [String] = []) -> String {
        let looksAlike = others.contains { $0 == name && !same($0, name) }
        guard looksAlike else { return "'\(name)'" }
        return "'" + escaped(name) + "'"
    }

    /// Every scalar outside printable ASCII written as `\u{XXXX}`.
    public static func escaped(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars {
            if scalar.isASCII, scalar.value >= 0x20, scalar.value != 0x7F {
                text.unicodeScalars.append(scalar)
            } else {
                text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return text
    }
}
