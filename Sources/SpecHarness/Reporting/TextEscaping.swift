/// Making engine and spec text safe for each report format: what a format cannot hold is
/// written as a visible `\u{XX}` escape rather than dropped or passed through.
package enum TextEscaping {
    /// `\u{1B}` for ESC: how a character a format cannot hold is shown.
    static func visible(_ scalar: Unicode.Scalar) -> String { UserText.visible(scalar) }

    /// Unicode non-characters: U+FDD0...U+FDEF and the last two code points of every plane.
    static func isNoncharacter(_ scalar: Unicode.Scalar) -> Bool {
        (0xFDD0...0xFDEF).contains(scalar.value) || scalar.value & 0xFFFE == 0xFFFE
    }

    /// What is never written raw to a terminal or a one-line field: controls, invisible
    /// formatting and non-characters (the same rule as diagnostics, `UserText`).
    static func mustEscape(_ scalar: Unicode.Scalar) -> Bool { UserText.needsEscape(scalar) }

    /// Characters XML 1.0 allows at all (its `Char` production), non-characters excluded too.
    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return !isNoncharacter(scalar) && !(0x7F...0x9F).contains(scalar.value)
        default: return false
        }
    }

    /// One line of text: every control (newlines included) and non-character made visible.
    package static func oneLine(_ text: String) -> String { UserText.escaped(text) }

    /// Several lines for a terminal: newlines and tabs kept, every other control made visible
    /// (an engine must not clear the screen or rewrite earlier lines).
    package static func terminal(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\t": result.unicodeScalars.append(scalar)
            case _ where mustEscape(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The most of one engine text the console echoes: a screenful, where the reports keep
    /// up to 64 KiB (a 30,000-character message must not scroll a run's output away).
    package static let maximumConsoleCharacters = 4000

    /// `text` for the console: escaped as `terminal` does, and cut at
    /// `maximumConsoleCharacters`, saying how much was left out and where it is.
    package static func console(_ text: String) -> String {
        let escaped = terminal(text)
        guard escaped.count > maximumConsoleCharacters else { return escaped }
        let kept = escaped.prefix(maximumConsoleCharacters)
        return kept + " [... cut on the console: \(escaped.count - kept.count) more characters; a report file keeps them]"
    }

    /// One line of `text` for the console: escaped as `oneLine` does and cut as `console` does.
    package static func consoleLine(_ text: String) -> String {
        console(oneLine(text))
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
            case _ where mustEscape(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Engine or spec text in Markdown, inert: one line, and every ASCII punctuation character
    /// that any CommonMark or GitHub construct uses backslash-escaped (CommonMark lets every
    /// ASCII punctuation character be), so no link, image, emphasis, code span, HTML tag,
    /// entity, autolink, math, table pipe or list marker can start. Left alone: `,;?%'"/=` and
    /// an inner `-`, which nothing inline acts on. For a table cell or after a list marker;
    /// never inside a code span, where a backslash is literal.
    static func markdown(_ text: String) -> String {
        var result = ""
        for scalar in oneLine(text).unicodeScalars {
            if isMarkdownPunctuation(scalar, first: result.isEmpty) { result += "\\" }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    /// ASCII punctuation a Markdown renderer may act on (a `-` only where it could start a list).
    private static func isMarkdownPunctuation(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
        switch scalar {
        case ",", ";", "?", "%", "'", "\"", "/", "=": return false
        case "-": return first
        default:
            switch scalar.value {
            case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
            default: return false
            }
        }
    }

    /// A YAML single-quoted scalar on one line, which TAP::Harness's YAMLish and tap.py both read.
    static func yamlQuoted(_ text: String) -> String {
        "'" + oneLine(text).replacingAll("'", with: "''") + "'"
    }

    /// The message of a GitHub workflow command (`%`, CR and LF escaped as the runner expects).
    static func githubData(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": result += "%25"
            case "\r": result += "%0D"
            case "\n": result += "%0A"
            case _ where mustEscape(scalar): result += visible(scalar)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A property of a GitHub workflow command: also `:` and `,` escaped.
    static func githubProperty(_ text: String) -> String {
        githubData(text).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }
}
