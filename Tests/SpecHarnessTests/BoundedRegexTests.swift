import Testing
@testable import SpecHarness

/// ICU's syntax and semantics as `NSRegularExpression` had them, for what specs write.
@Suite("BoundedRegex")
struct BoundedRegexTests {
    private func search(_ pattern: String, _ text: String) throws -> Bool {
        let regex = try BoundedRegex(pattern)
        let outcome = regex.firstMatch(in: Array(text.unicodeScalars), deadline: .now + .seconds(60))
        try #require(outcome != .abandoned)
        return outcome == .matched
    }

    @Test("matches as ICU does", arguments: [
        // Literals, classes, the unanchored search.
        ("loss_fn", "needs a loss_fn here", true), ("loss_fn", "needs a loss-fn", false),
        ("a.c", "xabcx", true), ("a.c", "a\nc", false), ("(?s)a.c", "a\nc", true), ("a.c", "a\r\nc", false),
        ("[a-c]+x", "zzbx", true), ("[^a-c]x", "ax", false), ("[]x]", "]", true), ("[a-]", "-", true),
        ("\\d\\d", "a12", true), ("\\d", "abc", false), ("\\w+\\s\\w+", "hi there", true), ("\\S", "  \t", false),
        ("\\p{Lu}", "abC", true), ("\\P{L}", "abc", false), ("[[:digit:]]", "x9", true), ("\\x41\\u0042", "AB", true),
        ("\\Q.*\\E", "a.*b", true), ("\\Q.*\\E", "ab", false), ("\\.", "a.b", true), ("\\.", "ab", false),
        ("é", "café", true), ("\\x{1F600}", "😀", true),
        // Case, multiline and extended flags, scoped.
        ("(?i)no data", "NO DATA here", true), ("no data", "NO DATA", false), ("(?i:a)b", "AB", false), ("(?i:a)b", "Ab", true),
        ("(?i)[a-c]", "B", true), ("(?i)ß", "ẞ", true), ("(?x) a  b # comment", "ab", true),
        // Anchors: $ also before a final line terminator; (?m) at every line.
        ("^abc$", "abc", true), ("^abc$", "abc\n", true), ("^abc$", "abc\nx", false), ("(?m)^x$", "abc\nx\ny", true),
        ("\\Aab", "ab", true), ("\\Aab", "cab", false), ("ab\\z", "ab\n", false), ("ab\\Z", "ab\n", true),
        ("\\b1\\b", "regularizers[1] failed", true), ("\\b1\\b", "regularizers[12]", false), ("a\\B", "ab", true),
        // Quantifiers: greedy, lazy, possessive, counted; alternation.
        ("^a{2,3}$", "aaa", true), ("^a{2,3}$", "aaaa", false), ("^a{2}$", "aa", true), ("^(ab){2,}$", "ababab", true),
        ("^a*?b$", "aab", true), ("^a++a$", "aaa", false), ("^(?>a+)a$", "aaa", false), ("^a+a$", "aaa", true),
        ("^(fn|function|callable)$", "function", true), ("^(fn|function)$", "fun", false), ("^(|a)b$", "b", true),
        // Lookarounds, as the shipped specs write them.
        ("(?is)\\A(?=.*loss_fn)(?=.*regularizers)", "Pass a LOSS_FN or\nregularizers", true),
        ("(?is)\\A(?=.*loss_fn)(?=.*regularizers)", "Pass a loss_fn", false),
        ("(?is)^(?!.*weight)(?=.*\\b1\\b)(?=.*l2)", "regularizers[1] (l2) is bad", true),
        ("(?is)^(?!.*weight)(?=.*\\b1\\b)(?=.*l2)", "regularizers[1] (l2) has a bad weight", false),
        ("(?<=a)b", "ab", true), ("(?<=a)b", "cb", false), ("(?<!a)b", "cb", true), ("(?<=ab|c)d", "abd", true),
        ("datum 0, element 0.*float32", "datum 0, element 0 is beyond float32's range", true),
    ])
    func matches(_ pattern: String, _ text: String, _ expected: Bool) throws {
        #expect(try search(pattern, text) == expected, "/\(pattern)/ on \(text.debugDescription)")
    }

    @Test("refuses invalid patterns, and what it does not support (backreferences, set operations)", arguments: [
        "([", "(a", "a)", "*a", "a**", "[a", "\\", "a{2,1}", "x{", "\\1", "(a)\\1", "\\k<n>", "(?<=a+)b", "\\p{NoSuchProperty}",
        "\\y", "(?z)", "[b-a]", "[a&&b]", "\\x{110000}",
    ])
    func refuses(_ pattern: String) {
        #expect(throws: RegexSyntaxError.self, "\(pattern)") { try BoundedRegex(pattern) }
    }

    @Test("a pattern that compiles too large is refused, not built")
    func programSizeBounded() {
        #expect(throws: RegexSyntaxError.self) { try BoundedRegex("((a{100}){100}){100}") }
        #expect(throws: RegexSyntaxError.self) { try BoundedRegex("a{2000000000}") }
        #expect(throws: RegexSyntaxError.self) { try BoundedRegex(String(repeating: "(", count: 10_000) + String(repeating: ")", count: 10_000)) }
    }

    @Test("an escaped text matches itself literally, as NSRegularExpression.escapedPattern escaped it")
    func escaping() throws {
        let text = "loss exploded (x*2) at [step] {3}? ^$|a\\b. / + end"
        #expect(BoundedRegex.escapedPattern(for: "a.b*c") == "a\\.b\\*c")
        #expect(BoundedRegex.escapedPattern(for: "/x") == "\\/x")
        #expect(try search("^" + BoundedRegex.escapedPattern(for: text) + "$", text))
        #expect(try !search("^" + BoundedRegex.escapedPattern(for: text) + "$", text + "!"))
    }

    @Test("only the first UTF-16 units of a text are kept, whole scalars")
    func truncation() {
        #expect(BoundedRegex.scalars(of: "abc", maximumUTF16Length: 2).count == 2)
        #expect(BoundedRegex.scalars(of: "a😀b", maximumUTF16Length: 2).count == 1)
        #expect(BoundedRegex.scalars(of: "a😀b", maximumUTF16Length: 3).count == 2)
    }

    @Test("a literal pattern's direct search agrees with the compiled program", arguments: [
        ("", ""), ("", "abc"), ("a", ""), ("abc", "ab"), ("aab", "aaab"), ("abab", "ababab"), ("aa", "a"),
        ("c", "abc"), ("ab", "abab"), ("ba", "abab"), ("failure", "slow failure"), ("failure", "slow failur"),
        ("\\Q.*\\E", "a.*b"), ("\\.", "a.b"), ("\\.", "ab"), ("é", "cafe\u{301}"), ("e\u{301}", "café"),
        ("😀x", "a😀😀x"), ("😀x", "😀y"), ("\\x41\\u0042", "zAB"), ("x", String(repeating: "y", count: 5000) + "x"),
    ])
    func literalAgreesWithProgram(_ pattern: String, _ text: String) throws {
        let regex = try BoundedRegex(pattern)
        #expect(regex.literal != nil, "/\(pattern)/ is a literal")
        let scalars = Array(text.unicodeScalars)
        let direct = regex.firstMatch(in: scalars, deadline: .now + .seconds(60))
        let program = regex.runProgram(in: scalars, deadline: .now + .seconds(60))
        #expect(direct == program, "/\(pattern)/ on \(text.debugDescription)")
    }

    @Test("only a plain literal takes the direct search", arguments: [
        "a.c", "(?i)abc", "a+", "^a", "a$", "\\bx", "[ab]", "a|b", "(?=a)b", "ab?", "\\d",
    ])
    func nonLiteralsRunTheProgram(_ pattern: String) throws {
        #expect(try BoundedRegex(pattern).literal == nil, "/\(pattern)/")
    }

    @Test("a literal searched past its deadline is abandoned, as the program is")
    func literalHonoursDeadline() throws {
        let regex = try BoundedRegex("ab")
        let text = Array(String(repeating: "a", count: 4096).unicodeScalars)
        #expect(regex.firstMatch(in: text, deadline: .now - .seconds(1)) == .abandoned)
        #expect(regex.runProgram(in: text, deadline: .now - .seconds(1)) == .abandoned)
    }

    @Test("a greedy (?s).* stepped as a loop agrees with the same star over a class", arguments: [
        "(?is)\\A(?=.*loss_fn)(?=.*regularizers)", "(?s)\\A(?=.*\\b1\\b)(?=.*kl)", "(?is)^(?!.*weight)(?=.*\\b1\\b)(?=.*l2)",
        "(?s)a.*b", "(?s)a.*b.*c$", "(?s)^.*$", "(?s).*", "(?s)(?>a.*)b", "(?s)x(.*)+y",
    ])
    func greedyDotStarAgrees(_ pattern: String) throws {
        // `[\s\S]` matches every scalar as `(?s).` does, but compiles to a class: the general path.
        let general = try BoundedRegex(pattern.replacing(".*", with: "[\\s\\S]*"))
        let stepped = try BoundedRegex(pattern)
        for text in ["", "a", "ab", "ba", "a\nb", "regularizers[1] (kl) has a bad weight\n", "Pass a LOSS_FN or\nregularizers",
                     "abc", "a b c\r\n", "xaay", "xy", String(repeating: "ab", count: 300) + "c", "regularizers[12] l2"] {
            let scalars = Array(text.unicodeScalars)
            #expect(stepped.firstMatch(in: scalars, deadline: .now + .seconds(60)) == general.firstMatch(in: scalars, deadline: .now + .seconds(60)),
                    "/\(pattern)/ on \(text.debugDescription)")
        }
    }

    @Test("a lookahead scanned directly agrees with the program that steps its star and backtracks", arguments: [
        "(?is)\\A(?=.*loss_fn)(?=.*regularizers)", "(?s)\\A(?=.*\\b1\\b)(?=.*kl)", "(?is)^(?!.*weight)(?=.*\\b1\\b)(?=.*l2)",
        "(?s)(?=.*ab)a", "(?s)x(?=.*\\by\\b)", "(?is)(?!.*z)b", "(?s)(?=.*$)", "(?s)(?=.*\\d[a-c])", "(?s)a(?=.*.)",
        "(?is)(?=.*Y)(?!.*\\n)", "(?s)(?=.*)", "(?s)\\A(?=.*\\Bb)",
    ])
    func scannedLookaheadAgrees(_ pattern: String) throws {
        let scanned = try BoundedRegex(pattern)
        #expect(scanned.scanningBodies.contains { $0 != nil }, "/\(pattern)/ has a lookahead to scan")
        // `[\s\S]` matches every scalar as `(?s).` does, but compiles to a class: the program's path.
        let general = try BoundedRegex(pattern.replacing(".*", with: "[\\s\\S]*"))
        #expect(general.scanningBodies.allSatisfy { $0 == nil })
        for text in ["", "a", "ab", "ba", "a\nb", "regularizers[1] (kl) has a bad weight\n", "Pass a LOSS_FN or\nregularizers",
                     "x y", "xy", "x\ny", "zb", "b", "1a", "1d", "abab", "Y\n", "y", String(repeating: "ab", count: 300) + "c", "regularizers[12] l2"] {
            let scalars = Array(text.unicodeScalars)
            #expect(scanned.firstMatch(in: scalars, deadline: .now + .seconds(60)) == general.firstMatch(in: scalars, deadline: .now + .seconds(60)),
                    "/\(pattern)/ on \(text.debugDescription)")
        }
    }

    @Test("only a greedy (?s).* then a straight line is scanned", arguments: [
        "(?=.*a)", "(?s)(?=.*(a|b))", "(?s)(?=.*a+)", "(?s)(?=.*?a)", "(?s)(?=a.*)", "(?s)(?=.*(?=a))",
    ])
    func unscannedLookaheads(_ pattern: String) throws {
        let regex = try BoundedRegex(pattern)
        #expect(regex.scanningBodies.allSatisfy { $0 == nil }, "/\(pattern)/")
    }

    @Test("a scanned lookahead past its deadline is abandoned")
    func scannedLookaheadHonoursDeadline() throws {
        let regex = try BoundedRegex("(?s)\\A(?=.*b)")
        let text = Array(String(repeating: "a", count: 4096).unicodeScalars)
        #expect(regex.firstMatch(in: text, deadline: .now - .seconds(1)) == .abandoned)
        #expect(regex.firstMatch(in: text, deadline: .now + .seconds(60)) == .notMatched)
    }
}
