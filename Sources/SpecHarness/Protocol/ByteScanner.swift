#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TinkerWire

/// A forward-only reader of JSON bytes for the protocol's fast decoding paths.
///
/// Every read returns nil or false where the text is not what was asked for, leaving the
/// caller to fall back on `JSONParser`, which says precisely what is wrong. Numbers are read
/// as `JSONParser` reads them: digits alone are integers, anything else goes through the
/// same correctly rounded conversion, and `NaN`, `Infinity` and `-Infinity` are numbers.
struct ByteScanner {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Whether the last string read had an escape: its bytes then are not its text.
    private var lastStringEscaped = false

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// True when only whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    func peek(_ byte: UInt8) -> Bool {
        var at = index
        while at < bytes.count, Self.isWhitespace(bytes[at]) { at += 1 }
        return at < bytes.count && bytes[at] == byte
    }

    /// Reads `null` if it is next.
    mutating func null() -> Bool {
        skipWhitespace()
        guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
            bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
        else { return false }
        index += 4
        return true
    }

    /// Calls `body` with each key of an object, positioned at its value; `body` must read
    /// the value and return false to give up.
    mutating func object(_ body: (inout ByteScanner, String) -> Bool) -> Bool {
        guard enter(UInt8(ascii: "{")) else { return false }
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return true }
        // A repeated key gives up, so the tree path reports it as the error it is. Keys are
        // compared as the bytes they are written in (no allocation per object: that and
        // building each key were a third of a reply's decoding), as strings once one has an
        // escape, through a set once there are many.
        var seen = SeenKeys()
        while true {
            skipWhitespace()
            let keyStart = index
            guard let key = string() else { return false }
            guard seen.insert(key, written: keyStart..<index, escaped: lastStringEscaped, in: bytes) else { return false }
            guard consume(UInt8(ascii: ":")), body(&self, key) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// Up to this many keys of an object are checked for repeats by comparison, the rest
    /// through a set: linear for the protocol's small objects, never quadratic for a big one.
    static let keysComparedInLine = 16

    /// The keys of one object so far: where each is written while none has an escape (equal
    /// bytes are equal keys then, the line being valid UTF-8 and each key quoted whole).
    private struct SeenKeys {
        /// Start and end of each key's text, quotes included, packed in 32 bits each.
        private var written: (
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        private var count = 0
        /// Every key, once one had an escape or there are more than the inline room.
        private var keys: Set<ScalarKey>?

        /// Records `key`; false when the object has it already.
        mutating func insert(_ key: String, written range: Range<Int>, escaped: Bool, in bytes: [UInt8]) -> Bool {
            if keys == nil {
                if !escaped, count < ByteScanner.keysComparedInLine, range.upperBound <= Int(UInt32.max) {
                    let count = self.count
                    let repeated = withUnsafeBytes(of: &written) { raw -> Bool in
                        let ranges = raw.bindMemory(to: UInt64.self)
                        return bytes.withUnsafeBufferPointer { text -> Bool in
                            guard let base = text.baseAddress, range.upperBound <= text.count else { return true }
                            for slot in 0..<count {
                                let start = Int(ranges[slot] >> 32), end = Int(ranges[slot] & 0xFFFF_FFFF)
                                if end - start == range.count, memcmp(base + start, base + range.lowerBound, range.count) == 0 { return true }
                            }
                            return false
                        }
                    }
                    if repeated { return false }
                    withUnsafeMutableBytes(of: &written) { raw in
                        raw.bindMemory(to: UInt64.self)[count] = UInt64(range.lowerBound) << 32 | UInt64(range.upperBound)
                    }
                    self.count += 1
                    return true
                }
                // From here on, strings: the keys so far, each without escapes, as written.
                var all = Set<ScalarKey>()
                withUnsafeBytes(of: &written) { raw in
                    let ranges = raw.bindMemory(to: UInt64.self)
                    for slot in 0..<count {
                        let start = Int(ranges[slot] >> 32), end = Int(ranges[slot] & 0xFFFF_FFFF)
                        all.insert(ScalarKey(String(decoding: bytes[(start + 1)..<(end - 1)], as: UTF8.self)))
                    }
                }
                keys = all
            }
            return keys?.insert(ScalarKey(key)).inserted ?? false
        }
    }

    /// Calls `body` positioned at each item of an array; `body` returns false to give up.
    mutating func array(_ body: (inout ByteScanner) -> Bool) -> Bool {
        guard enter(UInt8(ascii: "[")) else { return false }
        defer { depth -= 1 }
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            guard body(&self) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// A string without escapes other than the common one-letter ones.
    mutating func string() -> String? {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        var end = index + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
            end += 1
        }
        guard end < bytes.count else { return nil }
        if bytes[end] == UInt8(ascii: "\"") {
            let text = ProtocolWords.word(bytes, (index + 1)..<end) ?? String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
            index = end + 1
            lastStringEscaped = false
            return text
        }
        lastStringEscaped = true
        // Escapes: only those that stand for one ASCII byte; \u escapes take the tree path.
        var decoded: [UInt8] = Array(bytes[(index + 1)..<end])
        var at = end
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                index = at + 1
                guard let text = String(validating: decoded, as: UTF8.self) else { return nil }
                return text
            }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                guard at + 1 < bytes.count else { return nil }
                switch bytes[at + 1] {
                case UInt8(ascii: "\""): decoded.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): decoded.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): decoded.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                default: return nil
                }
                at += 2
                continue
            }
            decoded.append(byte)
            at += 1
        }
        return nil
    }

    /// A JSON integer: digits only, no fraction or exponent, in range.
    mutating func integer() -> Int? {
        guard case .integer(let value)? = scalarNumber() else { return nil }
        return value
    }

    /// Any JSON number, integer or not, or `NaN` / `Infinity` / `-Infinity`.
    mutating func number() -> Double? {
        switch scalarNumber() {
        case .integer(let value)?: return Double(value)
        case .real(let value)?: return value
        case nil: return nil
        }
    }

    mutating func numbers() -> [Double]? {
        var values: [Double] = []
        let complete = array { scanner in
            guard let value = scanner.number() else { return false }
            values.append(value)
            return true
        }
        return complete ? values : nil
    }

    mutating func integers() -> [Int]? {
        var values: [Int] = []
        let complete = array { scanner in
            guard let value = scanner.integer() else { return false }
            values.append(value)
            return true
        }
        return complete ? values : nil
    }

    /// Any JSON value, as `JSONParser` would build it.
    mutating func value() -> JSONValue? {
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            var object: ScalarKeyedDictionary<JSONValue> = [:]
            let complete = self.object { scanner, key in
                guard let value = scanner.value() else { return false }
                object[key] = value
                return true
            }
            return complete ? .object(object) : nil
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            let complete = array { scanner in
                guard let value = scanner.value() else { return false }
                items.append(value)
                return true
            }
            return complete ? .array(items) : nil
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return word("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return word("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return null() ? .null : nil
        default:
            switch scalarNumber() {
            case .integer(let value)?: return .integer(value)
            case .real(let value)?: return .number(value)
            case nil: return nil
            }
        }
    }

    /// true or false.
    mutating func bool() -> Bool? {
        skipWhitespace()
        if word("true") { return true }
        if word("false") { return false }
        return nil
    }

    /// Skips one value of any kind; false when it is not valid JSON as far as read.
    mutating func skipValue() -> Bool {
        skipWhitespace()
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "["): return array { scanner in scanner.skipValue() }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return word("true")
        case UInt8(ascii: "f"): return word("false")
        case UInt8(ascii: "n"): return null()
        default: return scalarNumber() != nil
        }
    }

    // MARK: - Internals

    private enum Number {
        case integer(Int)
        case real(Double)
    }

    /// As `JSONParser.parseNumber`.
    private mutating func scalarNumber() -> Number? {
        skipWhitespace()
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "N") { return word("NaN") ? .real(.nan) : nil }
        if bytes[index] == UInt8(ascii: "I") { return word("Infinity") ? .real(.infinity) : nil }
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "I") { return word("Infinity") ? .real(-.infinity) : nil }
        }
        var magnitude = 0
        var digits = 0
        var overflow = false
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[index] &- UInt8(ascii: "0")))
            overflow = overflow || overflow1 || overflow2
            magnitude = sum
            digits += 1
            index += 1
        }
        let next = index < bytes.count ? bytes[index] : 0
        let isReal = next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E")
        guard digits > 0 || next == UInt8(ascii: ".") else { return nil }
        if !isReal && !overflow {
            return .integer(negative ? -magnitude : magnitude)
        }
        if !overflow, let exact = decimal(negative: negative, integerPart: magnitude, integerDigits: digits) {
            return .real(exact)
        }
        while index < bytes.count {
            let byte = bytes[index]
            let isNumberByte = (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            guard isNumberByte else { break }
            index += 1
        }
        guard let value = DecimalConversion.double(bytes, start..<index)
            ?? Double(String(decoding: bytes[start..<index], as: UTF8.self)) else { return nil }
        return .real(value)
    }

    /// `digits.fraction` without an exponent, when it can be computed exactly: at most 15
    /// significant digits make an integer below 2^53, 10^k is exact for k <= 22, and one
    /// IEEE division of exact operands is correctly rounded, so this equals what strtod
    /// gives. Anything else (an exponent, more digits) is left to the conversion.
    private mutating func decimal(negative: Bool, integerPart: Int, integerDigits: Int) -> Double? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "."), integerDigits > 0 else { return nil }
        var at = index + 1
        var mantissa = integerPart
        var fractionDigits = 0
        while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") {
            mantissa = mantissa &* 10 &+ Int(bytes[at] &- UInt8(ascii: "0"))
            fractionDigits += 1
            at += 1
            if integerDigits + fractionDigits > 15 { return nil }
        }
        guard fractionDigits > 0 else { return nil }
        if at < bytes.count {
            let next = bytes[at]
            if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") || next == UInt8(ascii: ".")
                || next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { return nil }
        }
        index = at
        let magnitude = Double(mantissa) / Self.powersOfTen[fractionDigits]
        return negative ? -magnitude : magnitude
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    private mutating func word(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = text.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        if matches { index += count }
        return matches
    }

    /// Enters a container, refusing nesting deeper than `JSONParser` allows.
    private mutating func enter(_ opening: UInt8) -> Bool {
        guard consume(opening), depth + 1 < JSONParser.maximumDepth else { return false }
        depth += 1
        return true
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
