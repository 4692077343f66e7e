/// Lets YAML mapping keys that differ only in Unicode normalization ("café" with U+00E9 and
/// "cafe\u{301}") through Yams, which compares keys with Swift's `String ==` (canonical
/// equivalence) and rejects them as duplicates.
///
/// Every non-ASCII scalar, written literally or as a `\x`, `\u` or `\U` escape in a
/// double-quoted scalar, is replaced by its own private-use stand-in, which no
/// normalization relates to any other; `restore` puts the originals back. The loader uses
/// it only to retry a file Yams rejected for duplicate keys, and then checks duplicates
/// itself, scalar by scalar.
struct YAMLScalarShield {
    /// The text with stand-ins, for Yams.
    let text: String
    private let originals: [Unicode.Scalar: Unicode.Scalar]

    /// Scalars with a meaning in YAML's syntax (line breaks, byte-order mark) stay as they are.
    private static let syntax: Set<Unicode.Scalar> = ["\u{85}", "\u{2028}", "\u{2029}", "\u{FEFF}"]
    /// Characters after which a quote opens a quoted scalar.
    private static let tokenStarts: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "[", "{", ",", ":", "-", "?"]

    /// Nil when there is nothing to shield or more distinct scalars than stand-ins.
    init?(_ source: String) {
        guard source.utf8.contains(where: { $0 >= 0x80 }) || source.contains("\\") else { return nil }
        var standIns: [Unicode.Scalar: Unicode.Scalar] = [:]
        var originals: [Unicode.Scalar: Unicode.Scalar] = [:]
        var nextStandIn: UInt32 = 0xF0000
        func standIn(for scalar: Unicode.Scalar) -> Unicode.Scalar? {
            if let known = standIns[scalar] { return known }
            guard let fresh = Unicode.Scalar(nextStandIn) else { return nil }
            nextStandIn = nextStandIn == 0xFFFFD ? 0x100000 : nextStandIn + 1
            standIns[scalar] = fresh
            originals[fresh] = scalar
            return fresh
        }
        let scalars = Array(source.unicodeScalars)
        var shielded = String.UnicodeScalarView()
        var inDouble = false, inSingle = false, inComment = false
        var previous: Unicode.Scalar = "\n"
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if inDouble, scalar == "\\", index + 1 < scalars.count {
                let escape = scalars[index + 1]
                let digits = escape == "x" ? 2 : escape == "u" ? 4 : escape == "U" ? 8 : 0
                let end = index + 2 + digits
                if digits > 0, end <= scalars.count,
                    let value = UInt32(String(String.UnicodeScalarView(scalars[(index + 2)..<end])), radix: 16),
                    let decoded = Unicode.Scalar(value), !decoded.isASCII, !Self.syntax.contains(decoded)
                {
                    guard let replacement = standIn(for: decoded) else { return nil }
                    shielded.append(replacement)
                    index = end
                    previous = replacement
                    continue
                }
                shielded.append(scalar)
                shielded.append(escape)
                index += 2
                previous = escape
                continue
            }
            if inComment {
                if scalar == "\n" { inComment = false }
            } else if inDouble {
                if scalar == "\"" { inDouble = false }
            } else if inSingle {
                if scalar == "'" { inSingle = false }  // '' reopens at once: harmless here
            } else if scalar == "#", [" ", "\t", "\n"].contains(previous) {
                inComment = true
            } else if scalar == "\"", Self.tokenStarts.contains(previous) {
                inDouble = true
            } else if scalar == "'", Self.tokenStarts.contains(previous) {
                inSingle = true
            }
            if !scalar.isASCII, !Self.syntax.contains(scalar) {
                guard let replacement = standIn(for: scalar) else { return nil }
                shielded.append(replacement)
            } else {
                shielded.append(scalar)
            }
            previous = scalar
            index += 1
        }
        guard !originals.isEmpty else { return nil }
        text = String(shielded)
        self.originals = originals
    }

    /// `string` with every stand-in replaced by the scalar it stands for.
    func restore(_ string: String) -> String {
        var restored = String.UnicodeScalarView()
        for scalar in string.unicodeScalars { restored.append(originals[scalar] ?? scalar) }
        return String(restored)
    }
}
