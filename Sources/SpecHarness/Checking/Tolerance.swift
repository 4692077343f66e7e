#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How close an actual number must be to the expected one: `|a - e| <= atol + rtol * |e|`.
///
/// Relative to the expected value, as torch's `assert_close` and numpy's `isclose` are,
/// so a spec's numbers are the yardstick.
public struct Tolerance: Sendable, Equatable, CustomStringConvertible {
    public var relative: Double
    public var absolute: Double
    public var equalNaN: Bool

    public init(relative: Double = 1e-5, absolute: Double = 1e-6, equalNaN: Bool = false) {
        self.relative = relative
        self.absolute = absolute
        self.equalNaN = equalNaN
    }

    public static let standard = Tolerance()

    /// The greatest difference allowed from `expected`: 0 for a non-finite expectation, which
    /// only the same infinity (or NaN, under `equal_nan`) matches, so that no check ever
    /// allows an infinite or undefined difference.
    public func allowance(for expected: Double) -> Double {
        expected.isFinite ? absolute + relative * abs(expected) : 0
    }

    public func accepts(_ actual: Double, expected: Double) -> Bool {
        #if REGSPEC_FAULTS
        if let broken = faultyAcceptance(of: actual, expected: expected) { return broken }
        #endif
        if actual.isNaN || expected.isNaN { return equalNaN && actual.isNaN && expected.isNaN }
        if actual.isInfinite || expected.isInfinite { return actual == expected }
        return abs(actual - expected) <= allowance(for: expected)
    }

    /// Why `actual` is not accepted where `expected` is, in one wording for every compared field,
    /// as pytest's `approx` reads: `expected 0.5 ± 5e-07, actual 0.51 (difference 0.01; rtol=…)`.
    /// The allowed difference and the difference are rounded to the fewest digits that still
    /// show the difference exceeding it (the full values are the mismatch's data, in JSON); a
    /// non-finite expectation never reads as an allowed difference.
    func rejection(of actual: Double, expected: Double) -> String {
        if expected.isNaN {
            let numbers = "expected \(Self.format(expected)), actual \(Self.format(actual))"
            return numbers + (equalNaN ? " (NaN matches only NaN)" : " (NaN matches NaN only where the case sets equal_nan)")
        }
        if expected.isInfinite {
            return "expected \(Self.format(expected)), actual \(Self.format(actual)) (an infinite expectation matches only the same infinity)"
        }
        let allowed = allowance(for: expected)
        let difference = abs(actual - expected)
        let shown = Self.rounded(difference, beyond: allowed)
        let numbers = "expected \(Self.format(expected)) ± \(shown.allowed), actual \(Self.format(actual))"
        if !actual.isFinite { return numbers + " (the actual value is not finite)" }
        return numbers + " (difference \(shown.difference); \(self))"
    }

    /// `difference` and `allowed` at the fewest significant digits (two at least, as pytest's
    /// `± 5.0e-07`) at which the shown difference still exceeds the shown allowance.
    static func rounded(_ difference: Double, beyond allowed: Double) -> (difference: String, allowed: String) {
        for digits in 2...17 {
            let shortDifference = significant(difference, digits: digits)
            let shortAllowed = significant(allowed, digits: digits)
            if shortDifference > shortAllowed || digits == 17 || !difference.isFinite {
                return (format(shortDifference), format(shortAllowed))
            }
        }
        return (format(difference), format(allowed))
    }

    /// `value` rounded to `digits` significant decimal digits, read back as the shortest double.
    private static func significant(_ value: Double, digits: Int) -> Double {
        guard value.isFinite, value != 0 else { return value }
        return Double(PrintfFormat.string("%.\(digits - 1)e", value)) ?? value
    }

    /// `nan`, `inf`, `-inf`, or the shortest decimal that reads back as the same double.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return "\(value)"
    }

    public var description: String {
        "rtol=\(relative), atol=\(absolute)" + (equalNaN ? ", equal_nan" : "")
    }
}

/// Tolerance overrides: any of the three settings, applied over an inherited tolerance.
public struct TolerancePatch: Sendable, Equatable {
    public var relative: Double?
    public var absolute: Double?
    public var equalNaN: Bool?

    public func applied(to base: Tolerance) -> Tolerance {
        Tolerance(
            relative: relative ?? base.relative, absolute: absolute ?? base.absolute,
            equalNaN: equalNaN ?? base.equalNaN)
    }
}

/// A case's tolerance: one for every field, with overrides for some fields.
public struct ToleranceSettings: Sendable, Equatable {
    public var base: Tolerance
    /// Keyed by field path (`metrics.regularizers.kl.value`, `gradient`); the longest matching prefix wins.
    public var fields: [FieldPath: TolerancePatch]
    /// Where each field override was written, for diagnostics.
    public var fieldLocations: [FieldPath: SourceLocation]
    /// The field paths set by the case itself rather than inherited from `defaults`: each must
    /// apply to something the case compares.
    public var ownFields: Set<FieldPath>

    public init(
        base: Tolerance = .standard, fields: [FieldPath: TolerancePatch] = [:],
        fieldLocations: [FieldPath: SourceLocation] = [:], ownFields: Set<FieldPath>? = nil
    ) {
        self.base = base
        self.fields = fields
        self.fieldLocations = fieldLocations
        self.ownFields = ownFields ?? Set(fields.keys)
    }

    /// The override that applies to `path`: the longest field path it starts with.
    public func field(for path: FieldPath) -> FieldPath? {
        var longest: FieldPath?
        for field in fields.keys where path.starts(with: field) {
            if longest.map({ field.keys.count > $0.keys.count }) ?? true { longest = field }
        }
        return longest
    }

    /// The fields the case set itself that apply to none of `compared`, in a stable order:
    /// each would leave the default tolerance in force unnoticed.
    public func ownFields(applyingToNoneOf compared: [FieldPath]) -> [FieldPath] {
        ownFields.filter { field in !compared.contains { $0.starts(with: field) } }
            .sorted { $0.description < $1.description }
    }

    public func tolerance(for path: FieldPath) -> Tolerance {
        // Most cases set no field override: every field is judged by the base tolerance.
        guard !fields.isEmpty, let match = field(for: path), let patch = fields[match] else { return base }
        return patch.applied(to: base)
    }
}
