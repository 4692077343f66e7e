/// Parses a regular expression in ICU's syntax (what `NSRegularExpression` accepted) into a
/// `RegexNode`: groups, alternation, greedy, lazy and possessive quantifiers, classes and
/// properties, anchors, lookahead and bounded lookbehind, atomic groups and the flags `i m s x`.
/// Backreferences are refused: they are what makes matching exponential.
struct RegexParser {
    /// Groups nest at most this deep: the parser recurses once per level.
    static let maximumDepth = 64

    private struct Flags {
        var ignoreCase = false
        var multiline = false
        var dotAll = false
        var extended = false
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var flags = Flags()

    static func parse(_ pattern: String) throws(RegexSyntaxError) -> RegexNode {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.alternation(depth: 0)
        if parser.index < parser.scalars.count {
            // Only a `)` stops the top level early.
            throw RegexSyntaxError("unmatched )", at: parser.index)
        }
        return node
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func next() -> Unicode.Scalar? {
        guard index < scalars.count else { return nil }
        defer { index += 1 }
        return scalars[index]
    }

    private mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        guard peek == scalar else { return false }
        index += 1
        return true
    }

    private func error(_ reason: String, at offset: Int? = nil) -> RegexSyntaxError {
        RegexSyntaxError(reason, at: offset ?? index)
    }

    // MARK: Structure

    private mutating func alternation(depth: Int) throws(RegexSyntaxError) -> RegexNode {
        guard depth <= Self.maximumDepth else { throw error("groups nest more than \(Self.maximumDepth) deep") }
        var branches = [try concatenation(depth: depth)]
        while consume("|") {
            branches.append(try concatenation(depth: depth))
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func concatenation(depth: Int) throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while true {
            skipExtendedSpace()
            guard let scalar = peek, scalar != "|", scalar != ")" else { break }
            guard let atom = try atom(depth: depth) else { continue }
            items.append(try quantified(atom))
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concatenation(items))
    }

    /// Under `(?x)`, white space and `#` comments between tokens are not part of the pattern.
    private mutating func skipExtendedSpace() {
        guard flags.extended else { return }
        while let scalar = peek {
            if scalar.properties.isWhitespace {
                index += 1
            } else if scalar == "#" {
                while let skipped = next(), skipped != "\n" {}
            } else {
                break
            }
        }
    }

    private mutating func quantified(_ atom: RegexNode) throws(RegexSyntaxError) -> RegexNode {
        skipExtendedSpace()
        let start = index
        let bounds: (min: Int, max: Int?)
        switch peek {
        case "*": index += 1; bounds = (0, nil)
        case "+": index += 1; bounds = (1, nil)
        case "?": index += 1; bounds = (0, 1)
        case "{": bounds = try interval()
        default: return atom
        }
        var kind = RegexNode.RepetitionKind.greedy
        if consume("?") {
            kind = .lazy
        } else if consume("+") {
            kind = .possessive
        }
        skipExtendedSpace()
        if let scalar = peek, scalar == "*" || scalar == "+" || scalar == "?" || scalar == "{" {
            throw error("a quantifier follows another quantifier", at: start)
        }
        return .repetition(atom, min: bounds.min, max: bounds.max, kind: kind)
    }

    /// `{n}`, `{n,}` or `{n,m}`.
    private mutating func interval() throws(RegexSyntaxError) -> (min: Int, max: Int?) {
        let start = index
        index += 1
        guard let low = number() else { throw error("{ does not start a repetition like {2}, {2,} or {2,5}", at: start) }
        var high: Int? = low
        if consume(",") {
            high = number()
        }
        guard consume("}") else { throw error("{ does not start a repetition like {2}, {2,} or {2,5}", at: start) }
        if let high, high < low { throw error("the repetition's maximum is below its minimum", at: start) }
        return (low, high)
    }

    private mutating func number() -> Int? {
        var value: Int?
        while let scalar = peek, let digit = scalar.properties.numericType == .decimal && scalar.isASCII ? Int(scalar.value) - 0x30 : nil {
            let (shifted, overflow1) = (value ?? 0).multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(digit)
            value = overflow1 || overflow2 ? Int.max : sum
            index += 1
        }
        return value
    }

    /// One atom, or nil for a token that matches nothing itself (a flag group like `(?i)`, a comment).
    private mutating func atom(depth: Int) throws(RegexSyntaxError) -> RegexNode? {
        let start = index
        guard let scalar = next() else { return nil }
        switch scalar {
        case "(": return try group(depth: depth, start: start)
        case "[": return .set(try bracketSet(depth: depth), ignoringCase: flags.ignoreCase)
        case ".": return .any(dotAll: flags.dotAll)
        case "^": return .assertion(.lineStart(multiline: flags.multiline))
        case "$": return .assertion(.lineEnd(multiline: flags.multiline))
        case "\\": return try escape()
        case "*", "+", "?", "{": throw error("nothing before the quantifier \(scalar) to repeat", at: start)
        default: return .scalar(scalar, ignoringCase: flags.ignoreCase)
        }
    }

    private mutating func group(depth: Int, start: Int) throws(RegexSyntaxError) -> RegexNode? {
        let saved = flags
        var wrap: (RegexNode) -> RegexNode = { $0 }
        if consume("?") {
            switch next() {
            case ":": break
            case "=": wrap = { .lookahead($0, negated: false) }
            case "!": wrap = { .lookahead($0, negated: true) }
            case ">": wrap = { .atomic($0) }
            case "#":
                while let skipped = next(), skipped != ")" {}
                if index > scalars.count || scalars[index - 1] != ")" { throw error("unterminated (?# comment", at: start) }
                return nil
            case "<":
                if consume("=") {
                    wrap = { .lookbehind($0, negated: false) }
                } else if consume("!") {
                    wrap = { .lookbehind($0, negated: true) }
                } else {
                    // A named group: `(?<name>...)`.
                    var nameLength = 0
                    while let scalar = peek, scalar.isASCII, scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                        index += 1
                        nameLength += 1
                    }
                    guard nameLength > 0, consume(">") else { throw error("a group name must be letters and digits, as in (?<name>...)", at: start) }
                }
            default:
                index -= 1
                // Flags: `(?ims-x)` for the rest of the enclosing group, `(?i:...)` for a group.
                var on = true
                while let scalar = next() {
                    switch scalar {
                    case "i": flags.ignoreCase = on
                    case "m": flags.multiline = on
                    case "s": flags.dotAll = on
                    case "x": flags.extended = on
                    case "w": break
                    case "-" where on: on = false
                    case ")": return nil
                    case ":":
                        let body = try alternation(depth: depth + 1)
                        guard consume(")") else { throw error("unmatched (", at: start) }
                        flags = saved
                        return body
                    default: throw error("unknown group or flag (?\(scalar)", at: index - 1)
                    }
                }
                throw error("unmatched (", at: start)
            }
        }
        let body = try alternation(depth: depth + 1)
        guard consume(")") else { throw error("unmatched (", at: start) }
        flags = saved
        let node = wrap(body)
        if case .lookbehind(let inner, _) = node, inner.lengthBounds.max == nil {
            throw error("a lookbehind must have a bounded length (no *, + or {n,})", at: start)
        }
        return node
    }

    // MARK: Escapes

    /// An escape outside a set: an anchor, a class, or one scalar.
    private mutating func escape() throws(RegexSyntaxError) -> RegexNode? {
        let start = index - 1
        guard let scalar = peek else { throw error("the pattern ends in a lone \\", at: start) }
        switch scalar {
        case "A", "G": index += 1; return .assertion(.inputStart)
        case "z": index += 1; return .assertion(.inputEnd)
        case "Z": index += 1; return .assertion(.inputEndBeforeFinalTerminator)
        case "b": index += 1; return .assertion(.wordBoundary(negated: false))
        case "B": index += 1; return .assertion(.wordBoundary(negated: true))
        case "Q":
            index += 1
            var literal: [RegexNode] = []
            while index < scalars.count {
                if scalars[index] == "\\" && peek(1) == "E" {
                    index += 2
                    break
                }
                literal.append(.scalar(scalars[index], ignoringCase: flags.ignoreCase))
                index += 1
            }
            return literal.isEmpty ? nil : .concatenation(literal)
        case "E": index += 1; return nil
        case "1"..."9", "k":
            throw error("backreferences (\\1, \\k<name>) are not supported: they make matching take exponential time", at: start)
        default:
            switch try escapedItem(start: start) {
            case .scalar(let value): return .scalar(value, ignoringCase: flags.ignoreCase)
            case let item: return .set(RegexScalarSet([item]), ignoringCase: flags.ignoreCase)
            }
        }
    }

    /// An escape that stands for a scalar or a class, in a set or outside one; `index` is just
    /// past the backslash.
    private mutating func escapedItem(start: Int) throws(RegexSyntaxError) -> RegexScalarSet.Item {
        guard let scalar = next() else { throw error("the pattern ends in a lone \\", at: start) }
        switch scalar {
        case "d": return .property(.digit, negated: false)
        case "D": return .property(.digit, negated: true)
        case "w": return .property(.word, negated: false)
        case "W": return .property(.word, negated: true)
        case "s": return .property(.space, negated: false)
        case "S": return .property(.space, negated: true)
        case "h": return .property(.horizontalSpace, negated: false)
        case "H": return .property(.horizontalSpace, negated: true)
        case "v": return .property(.verticalSpace, negated: false)
        case "V": return .property(.verticalSpace, negated: true)
        case "p", "P":
            let name: String
            if consume("{") {
                var text = ""
                while let part = next(), part != "}" { text.unicodeScalars.append(part) }
                guard index <= scalars.count, scalars[index - 1] == "}" else { throw error("unterminated \\\(scalar){", at: start) }
                name = text
            } else if let single = next() {
                name = String(single)
            } else {
                throw error("\\\(scalar) needs a property name, as in \\p{L}", at: start)
            }
            guard let property = RegexScalarSet.property(named: name) else {
                throw error("unknown property \\\(scalar){\(name)}", at: start)
            }
            return .property(property, negated: scalar == "P")
        case "n": return .scalar("\n")
        case "t": return .scalar("\t")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "a": return .scalar("\u{07}")
        case "e": return .scalar("\u{1B}")
        case "0":
            var value: UInt32 = 0
            for _ in 0..<3 {
                guard let digit = peek, ("0"..."7").contains(digit) else { break }
                value = value * 8 + digit.value - 0x30
                index += 1
            }
            return .scalar(Unicode.Scalar(UInt8(truncatingIfNeeded: value)))
        case "x":
            if consume("{") {
                return .scalar(try hexScalar(maximumDigits: 8, start: start, closedBy: "}"))
            }
            return .scalar(try hexScalar(exactDigits: 2, start: start))
        case "u": return .scalar(try hexScalar(exactDigits: 4, start: start))
        case "U": return .scalar(try hexScalar(exactDigits: 8, start: start))
        case "c":
            guard let control = next(), control.isASCII else { throw error("\\c needs a control letter, as in \\cA", at: start) }
            return .scalar(Unicode.Scalar(UInt8(control.value & 0x1F)))
        default:
            if scalar.isASCII && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil) {
                throw error("unknown escape \\\(scalar)", at: start)
            }
            return .scalar(scalar)
        }
    }

    private mutating func hexScalar(exactDigits: Int, start: Int) throws(RegexSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<exactDigits {
            guard let digit = next(), let nibble = digit.properties.isASCIIHexDigit ? UInt32(String(digit), radix: 16) : nil else {
                throw error("a hexadecimal escape needs \(exactDigits) hex digits", at: start)
            }
            value = value * 16 + nibble
        }
        guard let scalar = Unicode.Scalar(value) else { throw error("the escape names no Unicode scalar", at: start) }
        return scalar
    }

    private mutating func hexScalar(maximumDigits: Int, start: Int, closedBy close: Unicode.Scalar) throws(RegexSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        var count = 0
        while let digit = peek, digit != close {
            guard count < maximumDigits, digit.properties.isASCIIHexDigit, let nibble = UInt32(String(digit), radix: 16) else {
                throw error("\\x{...} needs 1 to \(maximumDigits) hex digits", at: start)
            }
            value = value * 16 + nibble
            count += 1
            index += 1
        }
        guard count > 0, consume(close), let scalar = Unicode.Scalar(value) else {
            throw error("\\x{...} needs 1 to \(maximumDigits) hex digits naming a Unicode scalar", at: start)
        }
        return scalar
    }

    // MARK: Sets

    /// A bracketed set; `index` is just past its `[`.
    private mutating func bracketSet(depth: Int) throws(RegexSyntaxError) -> RegexScalarSet {
        let start = index - 1
        guard depth <= Self.maximumDepth else { throw error("sets nest more than \(Self.maximumDepth) deep", at: start) }
        var set = RegexScalarSet(negated: consume("^"))
        var first = true
        while true {
            guard let scalar = peek else { throw error("unterminated [", at: start) }
            if scalar == "]" && !first {
                index += 1
                return set
            }
            first = false
            let itemStart = index
            let item: RegexScalarSet.Item
            if scalar == "[" && peek(1) == ":" {
                index += 2
                var name = ""
                while let part = peek, part != ":" { name.unicodeScalars.append(part); index += 1 }
                guard consume(":"), consume("]"), let property = RegexScalarSet.property(named: name) else {
                    throw error("unknown or unterminated [:class:]", at: itemStart)
                }
                item = .property(property, negated: false)
            } else if scalar == "[" {
                index += 1
                item = .nested(try bracketSet(depth: depth + 1))
            } else if scalar == "&" && peek(1) == "&" || scalar == "-" && peek(1) == "-" {
                throw error("set operations (&&, --) are not supported", at: itemStart)
            } else if scalar == "\\" {
                index += 1
                if consume("Q") {
                    var literals: [RegexScalarSet.Item] = []
                    while index < scalars.count && !(scalars[index] == "\\" && peek(1) == "E") {
                        literals.append(.scalar(scalars[index]))
                        index += 1
                    }
                    index = min(index + 2, scalars.count)
                    set.items += literals
                    continue
                }
                item = try escapedItem(start: itemStart)
            } else {
                index += 1
                item = .scalar(scalar)
            }
            // A range `a-z`: a scalar, `-`, and a scalar that is not the set's closing `]`.
            if case .scalar(let low) = item, peek == "-", let after = peek(1), after != "]" {
                index += 1
                let highStart = index
                let high: RegexScalarSet.Item
                if after == "\\" {
                    index += 1
                    high = try escapedItem(start: highStart)
                } else if after == "[" {
                    throw error("a range ends in a set", at: highStart)
                } else {
                    index += 1
                    high = .scalar(after)
                }
                guard case .scalar(let highScalar) = high, low <= highScalar else {
                    throw error("a range's end is not a scalar after its start", at: itemStart)
                }
                set.items.append(.range(low, highScalar))
            } else {
                set.items.append(item)
            }
        }
    }
}
