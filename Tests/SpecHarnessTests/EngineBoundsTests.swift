import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

@Suite("Bounds on what an engine writes")
struct EngineBoundsTests {
    /// Regression: `Data.suffix` kept the whole buffer alive.
    @Test("the stderr ring keeps the last 4 KiB, in order, however much is written")
    func stderrRing() {
        let tail = OutputTail()
        for index in 0..<5000 {
            tail.append(Array("line \(index)\n".utf8))
        }
        #expect(tail.keptCount == OutputTail.keptBytes)
        #expect(tail.text.hasSuffix("line 4999"))
        #expect(!tail.text.contains("line 10\n"))
        tail.append([UInt8](repeating: UInt8(ascii: "x"), count: 10_000) + Array("\nlast".utf8))
        #expect(tail.keptCount == OutputTail.keptBytes)
        #expect(tail.text.hasSuffix("\nlast"))
        tail.clear()
        #expect(tail.text.isEmpty)
    }

    @Test("the ring wraps around correctly at every offset")
    func ringWraps() {
        var ring = ByteRing(capacity: 5)
        var all: [UInt8] = []
        for byte in UInt8(0)..<23 {
            ring.append([byte])
            all.append(byte)
            #expect(ring.contents == Array(all.suffix(5)))
        }
        ring.append([100, 101, 102])
        #expect(ring.contents == [21, 22, 100, 101, 102])
    }

    @Test("engine text past 64 KiB is cut on a scalar boundary, and says how much")
    func cappedText() {
        #expect(EngineText.capped("short") == "short")
        let long = String(repeating: "é", count: 40_000)  // 80000 bytes, two per scalar
        let capped = EngineText.capped(long)
        #expect(capped.hasPrefix(String(repeating: "é", count: 32_768)))
        #expect(capped.hasSuffix(" [... cut: \(80_000 - 65_536) more bytes the engine wrote]"))
    }

    @Test("lines nobody asked for are bounded: a flood closes the stream")
    func queuedLinesBounded() async {
        let buffer = LineBuffer()
        let line = String(repeating: "x", count: 1 << 20)
        for _ in 0..<70 { buffer.push(line) }
        guard case .closed(let reason) = await buffer.next(timeout: .seconds(60)) else {
            Issue.record("expected the stream closed")
            return
        }
        #expect(reason.contains("nobody asked for"))
    }

    @Test("lines pushed together are all queued before the first is handed over")
    func batchedLines() async {
        let buffer = LineBuffer()
        async let first = buffer.next(timeout: .seconds(60))
        // Give the wait a moment to register; either way the result is the same.
        try? await Task.sleep(for: .milliseconds(10))
        buffer.push(contentsOf: ["one", "two"])
        #expect(await first == .line("one"))
        #expect(buffer.discardQueued() == 1)
    }
}

@Suite("Error-message patterns")
struct MessagePatternTests {
    @Test("a pattern matches, or not, as ICU's syntax says")
    func matching() {
        #expect(MessagePattern("(?is)\\A(?=.*loss_fn)(?=.*regularizers)").match("Pass a LOSS_FN or\nregularizers") == .matched)
        #expect(MessagePattern("loss_fn").match("nothing here") == .notMatched)
        if case .invalidPattern = MessagePattern("([").match("x") {} else { Issue.record("expected an invalid pattern") }
    }

    /// Regression: `(a+)+$` against a's and a '!' backtracked exponentially under ICU (the check
    /// never ended, then ran into its budget). The matcher visits each state once: these finish
    /// as not matched well within the default budget, where a backtracking matcher is abandoned.
    @Test("patterns that backtrack exponentially elsewhere finish, unmatched", arguments: [
        ("(a+)+$", String(repeating: "a", count: 8000) + "!"),
        ("(\\w*)*x", String(repeating: "w", count: 8000)),
        ("(a|a?)+b", String(repeating: "a", count: 8000)),
        ("(x+x+)+y", String(repeating: "x", count: 8000)),
        ("^(\\s*,?\\s*\\d+)*$", String(repeating: "1 , ", count: 2000) + "x"),
    ])
    func hostilePatternsFinish(_ pattern: String, _ message: String) {
        #expect(MessagePattern(pattern).match(message) == .notMatched)
    }

    /// A lookahead retried at every position is quadratic; the budget still ends the match.
    @Test("a match still running at its deadline is abandoned")
    func deadlineAbandons() {
        let message = String(repeating: "b", count: 8192)
        #expect(MessagePattern("(?s)(?=.*a)").match(message, budget: .zero) == .abandoned)
        #expect(MessagePattern("(?s)(?=.*a)").match(message) == .notMatched)
    }

    /// Regression: a 200 kB message made the quadratic shipped style take minutes.
    @Test("only the first 8192 units of a message are matched")
    func messageBounded() {
        let message = String(repeating: "x", count: 200_000) + " needle"
        #expect(MessagePattern("needle").match(message) == .notMatched)
        #expect(MessagePattern("needle").match("x needle") == .matched)
    }

    @Test("the lint flags nested quantifiers and unanchored scanning lookaheads", arguments: [
        "(a+)+$", "(\\w*)*x", "(a|a?)+", "(?is)(?=.*\\b1\\b)(?=.*kl)", "(?!.*foo)bar",
    ])
    func lintFlags(_ pattern: String) {
        #expect(!MessagePattern.lint(pattern).isEmpty, "\(pattern) was not flagged")
    }

    @Test("the lint passes patterns that cannot blow up", arguments: [
        "loss_fn", "(?is)\\A(?=.*loss_fn)(?=.*regularizers)", "^(?=.*a)", "(ab)+", "a+b*", "[(a+)]+", "\\(a+\\)+",
    ])
    func lintPasses(_ pattern: String) {
        #expect(MessagePattern.lint(pattern).isEmpty, "\(pattern): \(MessagePattern.lint(pattern))")
    }

    @Test("validate and run see a pattern that can blow up as a warning at the case's error, and an anchored one as none")
    func specLintWarnsOnPatterns() throws {
        let workspace = try SpecWorkspace()
        let expect = { (pattern: String) in
            """
            expect:
                  error: {kind: missing_loss, message: "\(pattern)"}
            """
        }
        try workspace.write("specs/slow.yaml", specFile(call: "call: {}", expect: expect("(?is)(?=.*loss_fn)(?=.*regularizers)")))
        try workspace.write("specs/fast.yaml", specFile(id: "example/fast", call: "call: {}", expect: expect("(?is)\\\\A(?=.*loss_fn)")))
        let slow = workspace.load("specs/slow.yaml")
        let fast = workspace.load("specs/fast.yaml")
        #expect(slow.diagnostics.isEmpty && fast.diagnostics.isEmpty, "\(slow.diagnostics) \(fast.diagnostics)")
        let warnings = SpecLint.warnings(for: slow.cases)
        #expect(warnings.count == 1)
        #expect(warnings.first?.description.contains("unanchored lookahead") == true)
        #expect(warnings.first?.location.line == 10, "at the error mapping")
        #expect(SpecLint.warnings(for: fast.cases).isEmpty)
    }

    @Test("a warning quotes spec text as diagnostics do: one line, no raw control character")
    func warningEscapesSpecText() {
        let warning = SpecDiagnostic.warning(SourceLocation(file: "specs/x.yaml", line: 3, column: 5), "the pattern /a\u{1B}[2J\nb/", hint: "h")
        #expect(warning.description == "specs/x.yaml:3:5: warning: the pattern /a\\u{1B}[2J\\nb/\n    hint: h")
    }
}

