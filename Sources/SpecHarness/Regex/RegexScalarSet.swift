/// A set of Unicode scalars a regular expression matches one of: a bracketed class (`[a-z\d]`),
/// a class escape (`\w`, `\s`, `\p{Lu}`), or a set of them; with ICU's definitions of the classes.
struct RegexScalarSet: Sendable {
    enum Item: Sendable {
        case scalar(Unicode.Scalar)
        case range(Unicode.Scalar, Unicode.Scalar)
        case property(Property, negated: Bool)
        case nested(RegexScalarSet)
    }

    /// The named classes: ICU's `\d \w \s \h \v` and the `\p{...}` properties the parser knows.
    enum Property: Sendable {
        case digit, word, space, horizontalSpace, verticalSpace
        case any, ascii, alphabetic, uppercase, lowercase, hexDigit
        case categories(Set<GeneralCategoryCode>)

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .digit: return scalar.properties.generalCategory == .decimalNumber
            case .word: return RegexScalarSet.isWord(scalar)
            case .space: return scalar.properties.isWhitespace
            case .horizontalSpace:
                return scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
            case .verticalSpace: return RegexScalarSet.isLineTerminator(scalar)
            case .any: return true
            case .ascii: return scalar.isASCII
            case .alphabetic: return scalar.properties.isAlphabetic
            case .uppercase: return scalar.properties.isUppercase
            case .lowercase: return scalar.properties.isLowercase
            case .hexDigit: return scalar.properties.isHexDigit
            case .categories(let codes): return codes.contains(GeneralCategoryCode(scalar.properties.generalCategory))
            }
        }
    }

    /// A general category by its two-letter code, hashable (the standard library's enum is not
    /// used as a set element here to keep the mapping in one place).
    enum GeneralCategoryCode: String, Sendable, CaseIterable {
        case lu, ll, lt, lm, lo, mn, mc, me, nd, nl, no, pc, pd, ps, pe, pi, pf, po
        case sm, sc, sk, so, zs, zl, zp, cc, cf, cs, co, cn

        init(_ category: Unicode.GeneralCategory) {
            switch category {
            case .uppercaseLetter: self = .lu
            case .lowercaseLetter: self = .ll
            case .titlecaseLetter: self = .lt
            case .modifierLetter: self = .lm
            case .otherLetter: self = .lo
            case .nonspacingMark: self = .mn
            case .spacingMark: self = .mc
            case .enclosingMark: self = .me
            case .decimalNumber: self = .nd
            case .letterNumber: self = .nl
            case .otherNumber: self = .no
            case .connectorPunctuation: self = .pc
            case .dashPunctuation: self = .pd
            case .openPunctuation: self = .ps
            case .closePunctuation: self = .pe
            case .initialPunctuation: self = .pi
            case .finalPunctuation: self = .pf
            case .otherPunctuation: self = .po
            case .mathSymbol: self = .sm
            case .currencySymbol: self = .sc
            case .modifierSymbol: self = .sk
            case .otherSymbol: self = .so
            case .spaceSeparator: self = .zs
            case .lineSeparator: self = .zl
            case .paragraphSeparator: self = .zp
            case .control: self = .cc
            case .format: self = .cf
            case .surrogate: self = .cs
            case .privateUse: self = .co
            case .unassigned: self = .cn
            @unknown default: self = .cn
            }
        }
    }

    var items: [Item]
    var negated: Bool

    init(_ items: [Item] = [], negated: Bool = false) {
        self.items = items
        self.negated = negated
    }

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        var found = false
        for item in items {
            switch item {
            case .scalar(let member): found = member == scalar
            case .range(let low, let high): found = low <= scalar && scalar <= high
            case .property(let property, let negated): found = property.contains(scalar) != negated
            case .nested(let set): found = set.contains(scalar)
            }
            if found { break }
        }
        return found != negated
    }

    /// Membership under `(?i)`: the scalar or either of its simple case mappings is in the set.
    func containsIgnoringCase(_ scalar: Unicode.Scalar) -> Bool {
        if contains(scalar) { return true }
        let lower = Self.lowercase(scalar)
        if lower != scalar && contains(lower) { return true }
        let upper = Self.uppercase(scalar)
        return upper != scalar && contains(upper)
    }

    /// The property a `\p{NAME}` or `[:NAME:]` names, by ICU's short and long names, ignoring
    /// case, spaces, `_` and `-`; nil for a name this matcher does not know.
    static func property(named name: String) -> Property? {
        let key = String(name.lowercased().unicodeScalars.filter { $0 != " " && $0 != "_" && $0 != "-" })
        if let code = GeneralCategoryCode(rawValue: key) { return .categories([code]) }
        let groups: [String: [GeneralCategoryCode]] = [
            "l": [.lu, .ll, .lt, .lm, .lo], "letter": [.lu, .ll, .lt, .lm, .lo],
            "m": [.mn, .mc, .me], "mark": [.mn, .mc, .me],
            "n": [.nd, .nl, .no], "number": [.nd, .nl, .no],
            "p": [.pc, .pd, .ps, .pe, .pi, .pf, .po], "punctuation": [.pc, .pd, .ps, .pe, .pi, .pf, .po],
            "punct": [.pc, .pd, .ps, .pe, .pi, .pf, .po],
            "s": [.sm, .sc, .sk, .so], "symbol": [.sm, .sc, .sk, .so],
            "z": [.zs, .zl, .zp], "separator": [.zs, .zl, .zp],
            "c": [.cc, .cf, .cs, .co, .cn], "other": [.cc, .cf, .cs, .co, .cn],
            "uppercaseletter": [.lu], "lowercaseletter": [.ll], "decimalnumber": [.nd], "cntrl": [.cc], "control": [.cc],
        ]
        if let codes = groups[key] { return .categories(Set(codes)) }
        switch key {
        case "any": return .any
        case "ascii": return .ascii
        case "alpha", "alphabetic": return .alphabetic
        case "upper", "uppercase": return .uppercase
        case "lower", "lowercase": return .lowercase
        case "space", "whitespace": return .space
        case "digit": return .digit
        case "word": return .word
        case "xdigit", "hexdigit": return .hexDigit
        case "blank": return .horizontalSpace
        default: return nil
        }
    }

    /// ICU's `\w`: letters, marks, decimal digits, connector punctuation, ZWNJ and ZWJ.
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) || value == 0x5F
        }
        if scalar.value == 0x200C || scalar.value == 0x200D || scalar.properties.isAlphabetic { return true }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation: return true
        default: return false
        }
    }

    /// ICU's line terminators: what `.` does not match without `(?s)`, and where `^`/`$` match with `(?m)`.
    static func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// The simple lowercase mapping (what `(?i)` compares), the scalar itself when it has none.
    static func lowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(UInt8(scalar.value + 0x20)) : scalar
        }
        let mapped = scalar.properties.lowercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped[mapped.startIndex] : scalar
    }

    static func uppercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return scalar.value >= 0x61 && scalar.value <= 0x7A ? Unicode.Scalar(UInt8(scalar.value - 0x20)) : scalar
        }
        let mapped = scalar.properties.uppercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped[mapped.startIndex] : scalar
    }
}
