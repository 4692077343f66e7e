#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import TinkerWire

/// An error-message regular expression matched within bounds: the engine writes the message,
/// so neither its length nor the pattern's backtracking may decide how long a check takes.
package struct MessagePattern: Sendable {
    /// Only this many UTF-16 units of a message are matched; error messages worth judging are short.
    package static let maximumMessageLength = 8192
    /// How long one match may run before it is abandoned.
    package static let defaultBudget = Duration.seconds(2)

    package enum Outcome: Sendable, Equatable {
        case matched
        case notMatched
        /// The match ran out of its budget: counted as not matched, with why.
        case abandoned
        case invalidPattern(String)
    }

    package let pattern: String

    package init(_ pattern: String) {
        self.pattern = pattern
    }

    /// Matches `message` (its first `maximumMessageLength` units), giving up after `budget`.
    ///
    /// The matcher never explores a state twice, so no pattern backtracks exponentially; a
    /// lookahead retried at every position is still quadratic, and the budget bounds that.
    package func match(_ message: String, budget: Duration = defaultBudget) -> Outcome {
        let regex: BoundedRegex
        do {
            regex = try Self.compiled(pattern)
        } catch {
            return .invalidPattern("\(error)")
        }
        let text = BoundedRegex.scalars(of: message, maximumUTF16Length: Self.maximumMessageLength)
        switch regex.firstMatch(in: text, deadline: ContinuousClock.now + budget) {
        case .matched: return .matched
        case .notMatched: return .notMatched
        case .abandoned: return .abandoned
        }
    }

    /// Compiled patterns, shared: a suite states a few dozen, and compiling one costs as much
    /// as matching it. Bounded, so patterns that keep changing (explore) cannot grow it.
    /// Keyed scalar for scalar: "é" and "e\u{301}" are two patterns.
    private static let cache = Mutex<[ScalarKey: BoundedRegex]>([:])
    static let cacheLimit = 512

    private static func compiled(_ pattern: String) throws -> BoundedRegex {
        if let regex = cache.withLock({ $0[ScalarKey(pattern)] }) { return regex }
        let regex = try BoundedRegex(pattern)
        cache.withLock { cached in
            if cached.count >= cacheLimit { cached.removeAll(keepingCapacity: true) }
            cached[ScalarKey(pattern)] = regex
        }
        return regex
    }

    /// Why `pattern` can take time exponential or polynomial in the message length, if it can.
    ///
    /// A heuristic over the pattern text: a quantified group that itself ends in a quantifier
    /// (`(a+)+`, `(\w*)*`, `(a|a?)+`), exponential in a backtracking engine though not in
    /// `BoundedRegex`, and an unanchored lookahead scanning with `.*`, quadratic in both. The
    /// validate command reports them.
    package static func lint(_ pattern: String) -> [String] {
        var findings: [String] = []
        let scalars = Array(pattern.unicodeScalars)
        // Positions of group openings, to find each group's closing and what follows it.
        var openings: [Int] = []
        var escaped = false
        var inClass = false
        var reportedNested = false
        for (index, scalar) in scalars.enumerated() {
            if escaped { escaped = false; continue }
            switch scalar {
            case "\\": escaped = true
            case "[" where !inClass: inClass = true
            case "]" where inClass: inClass = false
            case "(" where !inClass: openings.append(index)
            case ")" where !inClass:
                guard let open = openings.popLast() else { continue }
                let next = index + 1 < scalars.count ? scalars[index + 1] : nil
                let outerQuantified = next == "+" || next == "*" || next == "{"
                let body = String(String.UnicodeScalarView(scalars[(open + 1)..<index]))
                let innerQuantified = body.hasSuffix("+") || body.hasSuffix("*") || body.hasSuffix("}")
                    || body.contains("+)") || body.contains("*)") || body.contains("+|") || body.contains("*|")
                    || body.contains("?|") || body.hasSuffix("?") && body.contains("|")
                if outerQuantified && innerQuantified && !reportedNested {
                    reportedNested = true
                    findings.append("a quantified group repeats another quantifier (like (a+)+): a backtracking regex engine (Python's re, ICU) takes exponential time on it, so the case's pattern is not portable; repeat the inner pattern once")
                }
            default: break
            }
        }
        let scanningLookaheads = pattern.components(separatedBy: "(?=.*").count - 1
            + pattern.components(separatedBy: "(?!.*").count - 1
        if scanningLookaheads > 0 && !isAnchored(pattern) {
            findings.append("an unanchored lookahead scans the message with .*: the match is retried at every position, time quadratic in the message length; anchor it with \\A, as in (?is)\\A(?=.*a)(?=.*b)")
        }
        return findings
    }

    /// Whether the pattern, after its inline flags, starts with `^` or `\A`.
    private static func isAnchored(_ pattern: String) -> Bool {
        var rest = Substring(pattern)
        if rest.hasPrefix("(?"), let close = rest.firstIndex(of: ")"),
            rest[rest.index(rest.startIndex, offsetBy: 2)..<close].allSatisfy(\.isLetter)
        {
            rest = rest[rest.index(after: close)...]
        }
        return rest.hasPrefix("^") || rest.hasPrefix("\\A")
    }
}
