/// Decodes the base64 text `tools/embed_suite.py` writes, so the suite embeds as bytes: a
/// fixture that is not UTF-8 text embeds like any other.
enum Base64 {
    /// The bytes of `text`; line breaks are skipped, as the generator breaks lines at 76 characters.
    /// Returns nil when `text` holds any other character outside the alphabet, or ends mid-group.
    static func decoded(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 4 * 3)
        var group: UInt32 = 0
        var count = 0
        var padding = 0
        for character in text.utf8 {
            if character == UInt8(ascii: "\n") || character == UInt8(ascii: "\r") { continue }
            let value: UInt32
            if character == UInt8(ascii: "=") {
                padding += 1
                value = 0
            } else {
                guard padding == 0, let sextet = sextet(character) else { return nil }
                value = sextet
            }
            group = group << 6 | value
            count += 1
            if count == 4 {
                let decoded = [UInt8(group >> 16 & 0xFF), UInt8(group >> 8 & 0xFF), UInt8(group & 0xFF)]
                guard padding <= 2 else { return nil }
                bytes.append(contentsOf: decoded.prefix(3 - padding))
                group = 0
                count = 0
            }
        }
        return count == 0 ? bytes : nil
    }

    private static func sextet(_ character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
