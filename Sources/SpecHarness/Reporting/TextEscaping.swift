/// Making engine and spec text safe for each report format: what a format cannot hold is
/// written as a visible `\u{XX}` escape rather than dropped or passed through.
enum TextEscaping {
    /// `\u{1B}` for ESC: how a character a format cannot hold is shown.
    static func visible(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }

    /// Unicode non-characters: U+FDD0...U+FDEF and the last two code points of every plane.
    static func isNoncharacter(_ scalar: Unicode.Scalar) -> Bool {
        (0xFDD0...0xFDEF).contains(scalar.value) || scalar.value & 0xFFFE == 0xFFFE
    }

    /// C0 and C1 controls and DEL: never written raw to a terminal or a one-line field.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Characters XML 1.0 allows at all (its `Char` production), non-characters excluded too.
    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return !isNoncharacter(scalar) && !(0x7F...0x9F).contains(scalar.value)
        default: return false
        }
    }

    /// One line of text: every control (newlines included) and non-character made visible.
    static func oneLine(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar) || isNoncharacter(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Several lines for a terminal: newlines and tabs kept, every other control made visible
    /// (an engine must not clear the screen or rewrite earlier lines).
    static func terminal(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\t": result.unicodeScalars.append(scalar)
            case _ where isControl(scalar) || isNoncharacter(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// XML character data or attribute value.
    /// - Parameter attribute: newlines and tabs become character references, which attribute
    ///   value normalization would otherwise turn into spaces.
    static func xml(_ text: String, attribute: Bool = false) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\n": result += attribute ? "&#10;" : "\n"
            case "\t": result += attribute ? "&#9;" : "\t"
            case "\r": result += "&#13;"
            case _ where !isXMLCharacter(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// HTML text or attribute value; controls and non-characters made visible.
    static func html(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\n", "\t": result.unicodeScalars.append(scalar)
            case _ where isControl(scalar) || isNoncharacter(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A Markdown table cell: one line, pipes and HTML escaped.
    static func markdownCell(_ text: String) -> String {
        html(oneLine(text)).replacingOccurrences(of: "|", with: "\\|")
    }

    /// A YAML single-quoted scalar on one line, which TAP::Harness's YAMLish and tap.py both read.
    static func yamlQuoted(_ text: String) -> String {
        "'" + oneLine(text).replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The message of a GitHub workflow command (`%`, CR and LF escaped as the runner expects).
    static func githubData(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": result += "%25"
            case "\r": result += "%0D"
            case "\n": result += "%0A"
            case _ where isControl(scalar) || isNoncharacter(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A property of a GitHub workflow command: also `:` and `,` escaped.
    static func githubProperty(_ text: String) -> String {
        githubData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
