/// Decimal text to `Double` for the number shapes the protocol carries, straight from bytes:
/// the shortest round-trip form of a float32 value as a double (`-2.3025850929940455`,
/// `1.0000000116860974e-07`) has 16 or 17 significant digits, too many for the classic exact
/// path, and going through a `String` and `strtod` for each was most of a reply's decoding.
///
/// Correctly rounded or nil: the caller then converts the text the slow way, which decides
/// both the value and whether the text is a number at all. So a token is read the same
/// whichever path takes it; `ProtocolFastPathDifferentialTests` holds the two to bit equality.
enum DecimalConversion {
    /// The value of `bytes[range]`, `-?digits(.digits)?([eE][+-]?digits)?` as `strtod` reads it
    /// (digits may be absent on one side of the point), when it can be computed exactly.
    static func double(_ bytes: [UInt8], _ range: Range<Int>) -> Double? {
        bytes.withUnsafeBufferPointer { buffer -> Double? in
            guard range.lowerBound >= 0, range.upperBound <= buffer.count else { return nil }
            return double(UnsafeBufferPointer(rebasing: buffer[range]))
        }
    }

    static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        let zero = UInt8(ascii: "0")
        var index = 0
        let end = text.count
        var negative = false
        if index < end, text[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var significand: UInt64 = 0
        var significantDigits = 0
        var mantissaDigits = 0
        var exponent = 0
        /// Takes the digits at `index` into the significand; false past `maximumDigits`.
        func takeDigits(scaling: Bool) -> Bool {
            while index < end, text[index] &- zero < 10 {
                let digit = UInt64(text[index] &- zero)
                if significantDigits > 0 || digit != 0 {
                    significantDigits += 1
                    guard significantDigits <= maximumDigits else { return false }
                    significand = significand &* 10 &+ digit
                }
                if scaling { exponent -= 1 }
                mantissaDigits += 1
                index += 1
            }
            return true
        }
        guard takeDigits(scaling: false) else { return nil }
        if index < end, text[index] == UInt8(ascii: ".") {
            index += 1
            guard takeDigits(scaling: true) else { return nil }
        }
        guard mantissaDigits > 0 else { return nil }
        // Exponent.
        if index < end, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < end, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            var digits = 0
            while index < end, text[index] &- zero < 10 {
                written = written * 10 + Int(text[index] &- zero)
                digits += 1
                guard digits <= 5 else { return nil }
                index += 1
            }
            guard digits > 0 else { return nil }
            exponent += exponentNegative ? -written : written
        }
        // Anything after the number: the text is not one number, and the slow path says so.
        guard index == end else { return nil }
        if significand == 0 { return negative ? -0.0 : 0.0 }
        guard let magnitude = exactMagnitude(significand, exponent) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// At most this many significant digits: any such significand is below 2^64.
    static let maximumDigits = 19

    /// `significand` times ten to `exponent`, correctly rounded, or nil when that needs more
    /// than one exactly rounded operation.
    private static func exactMagnitude(_ significand: UInt64, _ exponent: Int) -> Double? {
        if exponent == 0 { return Double(significand) }
        // Both operands exact (below 2^53, and 10^22 is the largest exact power of ten), so the
        // one IEEE operation rounds correctly (Clinger).
        if significand < 1 << 53, exponent.magnitude <= 22 {
            let power = doublePowersOfTen[Int(exponent.magnitude)]
            return exponent < 0 ? Double(significand) / power : Double(significand) * power
        }
        #if arch(x86_64) && !os(Windows)
        // Float80 holds any significand below 2^64 and 10^k for k <= 27 exactly, so one
        // extended operation is correctly rounded to 64 bits. Rounding that to 53 bits is
        // the correct rounding of the exact value unless the extended result sits exactly on
        // a midpoint between two doubles (its 11 extra bits 100...0): then it may have been
        // rounded onto it, and the slow path decides.
        guard exponent.magnitude <= 27 else { return nil }
        let power = extendedPowersOfTen[Int(exponent.magnitude)]
        let extended = exponent < 0 ? Float80(significand) / power : Float80(significand) * power
        guard extended.significandBitPattern & 0x7FF != 0x400 else { return nil }
        return Double(extended)
        #else
        return nil
        #endif
    }

    private static let doublePowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    #if arch(x86_64) && !os(Windows)
    private static let extendedPowersOfTen: [Float80] = (0...27).map { exponent in
        var value: Float80 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
    #endif
}
