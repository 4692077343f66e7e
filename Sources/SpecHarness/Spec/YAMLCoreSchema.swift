/// Resolves plain YAML scalars by the YAML 1.2 core schema, without regular expressions.
///
/// The parser's default resolver follows YAML 1.1 (`yes` and `off` are booleans) and runs
/// several regular expressions per scalar, which made large inline arrays load at about
/// 2 MB/s. Spec files are YAML 1.2 by decision, and numbers are most of their scalars, so
/// the resolver reads libyaml's bytes directly and builds a `String` only for text.
enum YAMLCoreSchema {
    static func resolve(_ text: String) -> YAMLValue.Content {
        var text = text
        return text.withUTF8 { resolve(bytes: $0) }
    }

    static func resolve(bytes: UnsafeBufferPointer<UInt8>) -> YAMLValue.Content {
        if bytes.count <= 6, mayBeSpecial(bytes), let special = special(String(decoding: bytes, as: UTF8.self)) { return special }
        if let integer = decimalInteger(bytes) { return integer }
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            let digits = String(decoding: bytes[2...], as: UTF8.self)
            if bytes[1] == UInt8(ascii: "o"), let value = Int(digits, radix: 8) { return .integer(value) }
            if bytes[1] == UInt8(ascii: "x"), let value = Int(digits, radix: 16) { return .integer(value) }
        }
        if let value = exactDecimal(bytes) { return .number(value) }
        let text = String(decoding: bytes, as: UTF8.self)
        if isFloat(bytes), let value = Double(text) { return .number(value) }
        return .string(text)
    }

    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var power = 1.0
        for _ in 0..<exponent { power *= 10 }
        return power
    }

    /// `[-+]?[0-9]*\.[0-9]*` with at most 15 significant digits and 22 fraction digits, as
    /// logprobs are written, without `strtod`: the digits and the power of ten are both exact
    /// in a Double, so one division rounds correctly (Clinger's fast path). Nil for anything else.
    static func exactDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var digitCount = 0
        var fractionDigits = 0
        var sawPoint = false
        while index < bytes.count {
            let byte = bytes[index]
            if isDigit(byte) {
                if mantissa == 0 && byte == UInt8(ascii: "0") {
                    // Leading zeros add no significant digit.
                } else {
                    digitCount += 1
                }
                mantissa = mantissa &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                if sawPoint { fractionDigits += 1 }
                guard digitCount <= 15, fractionDigits <= 22 else { return nil }
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                return nil
            }
            index += 1
        }
        // Needs the point (integers are resolved before) and at least one digit.
        guard sawPoint, index > (negative || bytes.first == UInt8(ascii: "+") ? 2 : 1) else { return nil }
        let magnitude = Double(mantissa) / exactPowersOfTen[fractionDigits]
        return negative ? -magnitude : magnitude
    }

    /// Whether the scalar can be one of the words below; numbers, most scalars, never are.
    private static func mayBeSpecial(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first else { return true }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
            UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "."):
            return true
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            return bytes.count > 1 && bytes[1] == UInt8(ascii: ".")
        default:
            return false
        }
    }

    private static func special(_ text: String) -> YAMLValue.Content? {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .number(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .number(-.infinity)
        case ".nan", ".NaN", ".NAN": return .number(.nan)
        default: return nil
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `[-+]?[0-9]+` as an integer, or as a number when it does not fit in `Int`.
    private static func decimalInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> YAMLValue.Content? {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < bytes.count else { return nil }
        var magnitude: UInt = 0
        var overflow = false
        while index < bytes.count {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt(byte - UInt8(ascii: "0")))
            overflow = overflow || overflow1 || overflow2
            magnitude = sum
            index += 1
        }
        if !overflow {
            if negative, magnitude <= UInt(Int.max) + 1 { return .integer(magnitude == UInt(Int.max) + 1 ? Int.min : -Int(magnitude)) }
            if !negative, magnitude <= UInt(Int.max) { return .integer(Int(magnitude)) }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return Double(text).map(YAMLValue.Content.number) ?? .string(text)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        let integerDigits = digits()
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = digits()
        }
        guard integerDigits > 0 || fractionDigits > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
