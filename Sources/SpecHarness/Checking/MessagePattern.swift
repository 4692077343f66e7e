import Foundation
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
    /// ICU calls back during a long match when asked to report progress; that is where the
    /// clock is checked and the match stopped.
    package func match(_ message: String, budget: Duration = defaultBudget) -> Outcome {
        let regex: NSRegularExpression
        do {
            regex = try Self.compiled(pattern)
        } catch {
            return .invalidPattern("\(error)")
        }
        let text = message as NSString
        let range = NSRange(location: 0, length: min(text.length, Self.maximumMessageLength))
        let clock = ContinuousClock()
        let deadline = clock.now + budget
        var found = false
        var abandoned = false
        regex.enumerateMatches(in: message, options: [.reportProgress], range: range) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else if clock.now > deadline {
                abandoned = true
                stop.pointee = true
            }
        }
        if found { return .matched }
        return abandoned ? .abandoned : .notMatched
    }

    /// Compiled patterns, shared: a suite states a few dozen, and compiling one costs as much
    /// as matching it. Bounded, so patterns that keep changing (explore) cannot grow it.
    /// Keyed scalar for scalar: "é" and "e\u{301}" are two patterns.
    private static let cache = Mutex<[ScalarKey: NSRegularExpression]>([:])
    static let cacheLimit = 512

    private static func compiled(_ pattern: String) throws -> NSRegularExpression {
        if let regex = cache.withLock({ $0[ScalarKey(pattern)] }) { return regex }
        let regex = try NSRegularExpression(pattern: pattern)
        cache.withLock { cached in
            if cached.count >= cacheLimit { cached.removeAll(keepingCapacity: true) }
            cached[ScalarKey(pattern)] = regex
        }
        return regex
    }

    /// Why `pattern` can take time exponential or polynomial in the message length, if it can.
    ///
    /// A heuristic over the pattern text: a quantified group that itself ends in a quantifier
    /// (`(a+)+`, `(\w*)*`, `(a|a?)+`), and an unanchored lookahead scanning with `.*`. Both are
    /// what made matching slow; the validate command reports them.
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
                    findings.append("a quantified group repeats another quantifier (like (a+)+): matching can take exponential time")
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
