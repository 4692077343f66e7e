import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

/// `validate` lists every problem of a file in one pass, each at its line:column, as a compiler
/// does: no problem hides another (a repeated id, tolerance settings, sibling regularizer entries).
@Suite("Loading spec files: every problem in one pass")
struct SpecLoaderOnePassTests {
    /// Each line holds at least one problem; the expected list below names each by its line, the
    /// text its column points at, and what the message says.
    static let file = """
        suite: onepass
        defaults:
          tolerance: {rtol: -1, atol: "x", equal_nan: 3}
        cases:
          - id: dup/case
            summary: the first of two cases with one id, with problems of its own
            covers: {rules: [composition.contribution]}
            data:
              - {tokens: [1, 2], targets: [2, 3], weights: [1.0, 0.5], logprobs: [-1.0, -2.0]}
            call:
              regularizers:
                - {name: a, wieght: 0.5, fn: sum}
                - {nme: b, weight: .nan, fn: sum}
                - {name: c, weight: .inf, fn: 3}
                - {name: d, weight: "0.5", fn: summ}
                - {name: a, weight: true}
                - {name: e, fn: sum}
            expect:
              metrics: {regularizers: {a: {valeu: -3.0}}}
              tolerance: {rtol: -2, atol: -3, fields: {metrics.regularizers.zz: {atol: -1}, gradiant: {rtol: -1}}}
          - id: dup/case
            summary: the second, also with problems
            covers: {rules: [composition.contribution]}
            data:
              - {tokens: [1, 2], targets: [2, 3], weights: [1.0, 0.5], logprobs: [-1.0, -2.0]}
            call:
              loss_fn: {name: sum, scale: big, delay_ms: 3}
              regularizers: null
              options: {timeout_ms: -1, max_concurrency: 0}
            expect:
              metrics: {loss: -3.0, base_loss: {vlaue: 1.0}}

        """

    /// (line, the text the column points at, a fragment of the message), in file order.
    static let expected: [(line: Int, at: String, says: String)] = [
        (3, "-1", "rtol must be a finite number >= 0, not -1.0"),
        (3, "\"x\"", "atol must be a number, not a string"),
        (3, "3}", "equal_nan must be true or false, not an integer"),
        (12, "wieght", "regularizers[0] is malformed: unknown key 'wieght' (did you mean 'weight'?)"),
        (13, "nme", "regularizers[1] is malformed: unknown key 'nme' (did you mean 'name'?)"),
        (13, ".nan", "regularizers[1] is malformed: 'weight' is NaN"),
        (14, ".inf", "regularizers[2] is malformed: 'weight' is infinite"),
        (14, "3}", "regularizers[2] is malformed: 'fn' is not a catalogue fn"),
        (15, "\"0.5\"", "regularizers[3] is malformed: 'weight' is not a number but a string"),
        (15, "summ", "unknown catalogue fn 'summ' (did you mean 'sum'?)"),
        (16, "{", "regularizers[4] is malformed: 'fn' is missing"),
        (16, "a,", "regularizers[4] is malformed: the name 'a' is repeated (regularizers[0] has it)"),
        (16, "true", "regularizers[4] is malformed: 'weight' is a boolean, not a number"),
        (17, "{", "regularizers[5] is malformed: 'weight' is missing"),
        (19, "valeu", "unknown key 'valeu' in metrics.regularizers.a (did you mean 'value'?)"),
        (20, "-2", "rtol must be a finite number >= 0, not -2.0"),
        (20, "-3", "atol must be a finite number >= 0, not -3.0"),
        (20, "metrics.regularizers.zz", "tolerance field 'metrics.regularizers.zz' applies to nothing the case compares"),
        (20, "-1}, g", "atol must be a finite number >= 0, not -1.0"),
        (20, "gradiant", "tolerance field 'gradiant' names neither a metric nor the gradient (did you mean 'gradient'?)"),
        (20, "-1}}}", "rtol must be a finite number >= 0, not -1.0"),
        (21, "id: dup/case", "the id 'dup/case' is already used at"),
        (27, "big", "scale must be a number, not a string"),
        (27, "3}", "delay_ms applies to async fns only"),
        (29, "-1", "timeout_ms must be a positive, finite number"),
        (29, "0}", "max_concurrency must be at least 1"),
        (31, "vlaue", "unknown key 'vlaue' in metrics.base_loss (did you mean 'value'?)"),
    ]

    @Test("a file with 27 problems of every class gets all 27 in one pass, each at its line:column")
    func everyProblemInOnePass() throws {
        let workspace = try SpecWorkspace()
        let path = try workspace.write("specs/onepass.yaml", Self.file)
        let lines = Self.file.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let diagnostics = workspace.load("specs").diagnostics
        var expected: [(line: Int, column: Int, says: String)] = []
        for item in Self.expected {
            let line = lines[item.line - 1]
            let range = try #require(line.range(of: item.at), "line \(item.line) holds '\(item.at)'")
            expected.append((item.line, line.distance(from: line.startIndex, to: range.lowerBound) + 1, item.says))
        }
        let found = diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(diagnostics.count == expected.count, "\(found.joined(separator: "\n"))")
        for item in expected {
            #expect(
                diagnostics.contains { $0.location.file == path && $0.location.line == item.line && $0.location.column == item.column && $0.message.contains(item.says) },
                "missing \(item.line):\(item.column) \(item.says); found:\n\(found.joined(separator: "\n"))")
        }
        // In file order, the repeated id last (it is found across cases).
        let places = diagnostics.dropLast().map { ($0.location.line, $0.location.column) }
        #expect(places.elementsEqual(places.sorted { $0 < $1 }, by: ==))
    }

    /// Negative control for the repeated id: with distinct ids the same broken cases give no such problem.
    @Test("a repeated id is found while both cases have other problems, and only then")
    func repeatedIDAmongBrokenCases() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/onepass.yaml", Self.file)
        #expect(workspace.load("specs").diagnostics.contains { $0.message.contains("already used") })
        let renamed = Self.file.replacingOccurrences(of: "  - id: dup/case\n    summary: the second", with: "  - id: dup/other\n    summary: the second")
        try workspace.write("specs/onepass.yaml", renamed)
        let diagnostics = workspace.load("specs").diagnostics
        #expect(!diagnostics.contains { $0.message.contains("already used") })
        #expect(diagnostics.count == Self.expected.count - 1)
    }

    @Test("regularizers: null means none, as loss_fn: null does")
    func nullRegularizers() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(
            call: "call:\n      loss_fn: sum\n      regularizers: null",
            expect: "expect:\n      metrics: {loss: -2.0}"))
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        let call = try #require(suite.cases.first).input.call
        #expect(call.regularizers.isEmpty && call.lossFn?.name == "sum")

        // Both null: no loss at all, the case of missing_loss.
        try workspace.write("specs/a.yaml", specFile(
            call: "call:\n      loss_fn: null\n      regularizers: null",
            expect: "expect:\n      error: {kind: missing_loss}"))
        let missing = workspace.load("specs")
        #expect(missing.diagnostics.isEmpty, "\(missing.diagnostics)")
        #expect(missing.cases.first?.input.call.allFns.isEmpty == true)

        // Still a list or null: anything else is a problem.
        try workspace.write("specs/a.yaml", specFile(call: "call:\n      loss_fn: sum\n      regularizers: 3"))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("regularizers must be a list, not an integer") == true)
    }

    @Test("a misspelt key gets a suggestion when two letters are swapped", arguments: [
        ("wieght", "weight"), ("valeu", "value"), ("nmae", "name"), ("atlo", "atol"),
    ])
    func swappedLetters(typo: String, meant: String) {
        #expect(DidYouMean.suggestion(for: typo, among: ["name", "weight", "fn", "value", "atol", "rtol"]) == meant)
        #expect(DidYouMean.distance(typo, meant) == 1)
    }

    /// Negative control: a well-formed entry and expectation give no problem.
    @Test("the same entries written right load without a problem")
    func wellFormedEntries() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(
            call: "call:\n      regularizers:\n        - {name: a, weight: 0.5, fn: sum}\n        - {name: b, weight: -1, fn: sum}",
            expect: "expect:\n      metrics: {regularizers: {a: {value: -3.0, weight: 0.5}, b: {contribution: 3.0}}}"))
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
    }
}
