/// Text from a spec file shown in a one-line diagnostic, with what a terminal would act on escaped.
///
/// An id holding `ESC[2J` must not clear the terminal and a newline must not split the
/// `file:line:column: error:` line, so control characters, invisible formatting and
/// noncharacters are written as `\u{…}` escapes.
package enum UserText {
    /// `text` in single quotes, with backslashes and quotes escaped too, so the quoted text is unambiguous.
    package static func quoted(_ text: String) -> String {
        "'" + escaped(text, escapingQuotes: true) + "'"
    }

    /// `text` with every character a terminal or a line-oriented reader would act on escaped.
    /// - Parameter escapingQuotes: also escape `\` and `'`, for text inside quotes.
    package static func escaped(_ text: String, escapingQuotes: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) || (escapingQuotes && ($0 == "\\" || $0 == "'")) }) else {
            return text
        }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\\" where escapingQuotes: result += "\\\\"
            case "'" where escapingQuotes: result += "\\'"
            case _ where needsEscape(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `\u{1B}` for ESC: how a character that must not be written raw is shown.
    static func visible(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }

    /// C0 and C1 controls, DEL, bidirectional and zero-width formatting, line and paragraph
    /// separators, and noncharacters.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x180E, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true
        case 0xFDD0...0xFDEF: return true
        default: return value & 0xFFFE == 0xFFFE
        }
    }
}
