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

    /// One mismatch per broken path, in first-seen order: a path the case states and an
    /// invariant also judges (a wrong contribution) reads once, naming every rule it breaks.
    package static func oneLinePerPath(_ mismatches: [Mismatch]) -> [Mismatch] {
        var merged: [Mismatch] = []
        var index: [String: Int] = [:]
        for mismatch in mismatches {
            guard let at = index[mismatch.path] else {
                index[mismatch.path] = merged.count
                merged.append(mismatch)
                continue
            }
            var first = merged[at]
            first.message += "; also " + (mismatch.rule.map { "breaks \($0)" } ?? mismatch.message)
            if let rule = mismatch.rule { first.rule = first.rule.map { $0 == rule ? $0 : $0 + "; " + rule } ?? rule }
            first.expected = first.expected ?? mismatch.expected
            first.actual = first.actual ?? mismatch.actual
            first.allowed = first.allowed ?? mismatch.allowed
            merged[at] = first
        }
        return merged
    }
}
