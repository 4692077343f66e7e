/// One way an observation differs from what its case expects: where, and how.
///
/// Numeric mismatches also carry the numbers as data (expected, actual, the allowed
/// difference) and invariant mismatches the semantics rule, so reports need not parse English.
public struct Mismatch: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The field, e.g. `metrics.regularizers.l2.value` or `gradient[1]`.
    public var path: String
    public var message: String
    public var expected: Double?
    public var actual: Double?
    /// The largest difference the tolerance allows at this value.
    public var allowed: Double?
    /// The semantics rule the mismatch breaks, when a rule is named.
    public var rule: String?

    public init(_ path: String, _ message: String, expected: Double? = nil, actual: Double? = nil, allowed: Double? = nil, rule: String? = nil) {
        self.path = path
        self.message = message
        self.expected = expected
        self.actual = actual
        self.allowed = allowed
        self.rule = rule
    }

    public var description: String { "\(path): \(message)" }
}
