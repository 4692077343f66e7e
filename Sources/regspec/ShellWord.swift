/// Text as one POSIX shell word, so a printed command line can be pasted as it is.
enum ShellWord {
    /// `text` unquoted when every character is safe, else in single quotes (`'` as `'\''`);
    /// with a control character (a newline, an escape), as bash's and zsh's `$'...'`, so the
    /// line stays one line and the terminal shows no raw control codes.
    static func quoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
        if !text.isEmpty && text.allSatisfy({ safe.contains($0) }) { return text }
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
        }
        var escaped = "$'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "'": escaped += "\\'"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            default:
                if scalar.properties.generalCategory == .control {
                    escaped += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped + "'"
    }
}
