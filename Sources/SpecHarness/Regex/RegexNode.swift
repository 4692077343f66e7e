/// A parsed regular expression, flags already applied to its leaves: what `RegexParser`
/// produces and `BoundedRegex` compiles.
indirect enum RegexNode: Sendable {
    case empty
    /// One scalar; `ignoringCase` under `(?i)`.
    case scalar(Unicode.Scalar, ignoringCase: Bool)
    case set(RegexScalarSet, ignoringCase: Bool)
    /// `.`: any scalar but a line terminator, any at all under `(?s)`.
    case any(dotAll: Bool)
    case assertion(Assertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `max` nil: no upper bound.
    case repetition(RegexNode, min: Int, max: Int?, kind: RepetitionKind)
    case lookahead(RegexNode, negated: Bool)
    case lookbehind(RegexNode, negated: Bool)
    /// `(?>...)`, and a possessive quantifier's body.
    case atomic(RegexNode)

    enum Assertion: Sendable {
        /// `^`, `$` (with `(?m)`: at every line), `\A`, `\z`, `\Z`, `\b`, `\B`.
        case lineStart(multiline: Bool), lineEnd(multiline: Bool)
        case inputStart, inputEnd, inputEndBeforeFinalTerminator
        case wordBoundary(negated: Bool)
    }

    enum RepetitionKind: Sendable {
        case greedy, lazy, possessive
    }

    /// The fewest and most scalars the node can match; `max` nil when unbounded. A lookbehind
    /// needs a bounded body, as in ICU.
    var lengthBounds: (min: Int, max: Int?) {
        switch self {
        case .empty, .assertion, .lookahead, .lookbehind: return (0, 0)
        case .scalar, .set, .any: return (1, 1)
        case .atomic(let body): return body.lengthBounds
        case .concatenation(let parts):
            var low = 0
            var high: Int? = 0
            for part in parts {
                let bounds = part.lengthBounds
                low = Self.saturatingAdd(low, bounds.min)
                high = high.flatMap { total in bounds.max.map { Self.saturatingAdd(total, $0) } }
            }
            return (low, high)
        case .alternation(let branches):
            let bounds = branches.map(\.lengthBounds)
            let high = bounds.contains { $0.max == nil } ? nil : bounds.compactMap(\.max).max() ?? 0
            return (bounds.map(\.min).min() ?? 0, high)
        case .repetition(let body, let min, let max, _):
            let bounds = body.lengthBounds
            let high: Int? = max.flatMap { count in bounds.max.map { Self.saturatingMultiply($0, count) } }
            return (Self.saturatingMultiply(bounds.min, min), bounds.max == 0 ? 0 : high)
        }
    }

    private static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    private static func saturatingMultiply(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : product
    }
}
