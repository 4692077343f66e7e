/// Foundation's string searching and trimming, compared scalar by scalar as Foundation compares
/// (a `\n` inside `\r\n` is found, where the standard library's `Character`-based `replacing`
/// would not): `Foundation`'s own versions would link ICU into the binary.
extension StringProtocol {
    /// The first occurrence of `target` in the scalars, as `range(of:)` finds it.
    package func firstScalarRange(of target: some StringProtocol) -> Range<String.Index>? {
        let wanted = Array(target.unicodeScalars)
        guard !wanted.isEmpty else { return nil }
        let scalars = unicodeScalars
        var start = scalars.startIndex
        while start != scalars.endIndex {
            var position = start
            var matched = 0
            while matched < wanted.count, position != scalars.endIndex, scalars[position] == wanted[matched] {
                matched += 1
                position = scalars.index(after: position)
            }
            if matched == wanted.count { return start..<position }
            start = scalars.index(after: start)
        }
        return nil
    }

    /// Every occurrence of `target` replaced, left to right, as `replacingOccurrences(of:with:)` replaces.
    package func replacingAll(_ target: some StringProtocol, with replacement: some StringProtocol) -> String {
        var result = String.UnicodeScalarView()
        var rest = self[...]
        while let range = rest.firstScalarRange(of: target) {
            result.append(contentsOf: rest.unicodeScalars[rest.startIndex..<range.lowerBound])
            result.append(contentsOf: replacement.unicodeScalars)
            rest = rest[range.upperBound...]
        }
        result.append(contentsOf: rest.unicodeScalars)
        return String(result)
    }

    /// Without leading and trailing tabs and space separators (`trimmingCharacters(in: .whitespaces)`).
    package func trimmingWhitespace() -> String {
        trimmingScalars { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// Without leading and trailing white space and newlines (`trimmingCharacters(in: .whitespacesAndNewlines)`).
    package func trimmingWhitespaceAndNewlines() -> String {
        trimmingScalars { scalar in
            switch scalar.value {
            case 0x09...0x0D, 0x85, 0x2028, 0x2029: return true
            default: return scalar.properties.generalCategory == .spaceSeparator
            }
        }
    }

    private func trimmingScalars(where trimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !trimmed($0) }), let last = scalars.lastIndex(where: { !trimmed($0) }) else {
            return ""
        }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
