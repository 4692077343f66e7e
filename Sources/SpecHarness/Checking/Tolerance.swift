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

    /// The greatest difference allowed from `expected`.
    public func allowance(for expected: Double) -> Double {
        absolute + relative * abs(expected)
    }

    public func accepts(_ actual: Double, expected: Double) -> Bool {
        actual.isApproximatelyEqual(
            to: expected, absoluteTolerance: absolute, relativeTolerance: relative, equalNaN: equalNaN)
    }

    public var description: String {
        "rtol=\(relative), atol=\(absolute)" + (equalNaN ? ", equal_nan" : "")
    }
}

extension Double {
    /// Whether `self` is within `absoluteTolerance + relativeTolerance * |expected|` of `expected`.
    ///
    /// Infinities match only the same infinity; NaN matches NaN only when `equalNaN`.
    public func isApproximatelyEqual(
        to expected: Double, absoluteTolerance: Double, relativeTolerance: Double, equalNaN: Bool = false
    ) -> Bool {
        if isNaN || expected.isNaN { return equalNaN && isNaN && expected.isNaN }
        if isInfinite || expected.isInfinite { return self == expected }
        return abs(self - expected) <= absoluteTolerance + relativeTolerance * abs(expected)
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
        fields.keys.filter { path.starts(with: $0) }.max { $0.keys.count < $1.keys.count }
    }

    /// The fields the case set itself that apply to none of `compared`, in a stable order:
    /// each would leave the default tolerance in force unnoticed.
    public func ownFields(applyingToNoneOf compared: [FieldPath]) -> [FieldPath] {
        ownFields.filter { field in !compared.contains { $0.starts(with: field) } }
            .sorted { $0.description < $1.description }
    }

    public func tolerance(for path: FieldPath) -> Tolerance {
        guard let match = field(for: path), let patch = fields[match] else { return base }
        return patch.applied(to: base)
    }
}
