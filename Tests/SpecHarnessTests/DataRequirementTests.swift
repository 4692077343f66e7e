import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

/// `validate` rejects a case that expects success although its data cannot serve its fns
/// (docs/catalogue.md); a case that expects exactly that failure stays legal.
@Suite("Data a case's fns need")
struct DataRequirementTests {
    /// Three flat datums with weights and reference logprobs.
    static let threeDatums = """
        data:
              - {tokens: [1], targets: [2], weights: [1.0], inputs: {ref_logprobs: [-1.0]}, logprobs: [-0.5]}
              - {tokens: [3], targets: [4], weights: [1.0], inputs: {ref_logprobs: [-1.0]}, logprobs: [-1.5]}
              - {tokens: [5], targets: [6], weights: [1.0], inputs: {ref_logprobs: [-1.0]}, logprobs: [-2.5]}
        """
    static let bare = """
        data:
              - {tokens: [1], targets: [2], logprobs: [-0.5]}
        """
    static let success = """
        expect:
              requests: {forward: 1, backward: 1}
        """
    static let fnFailure = """
        expect:
              error: {kind: loss_fn_failed, label: pref}
        """

    static func call(_ fn: String) -> String {
        """
        call:
              regularizers:
                - {name: pref, weight: 1.0, fn: \(fn)}
        """
    }

    struct Flagged: Sendable, CustomTestStringConvertible {
        let data: String
        let fn: String
        let problem: String
        var testDescription: String { fn }
    }

    static let flagged: [Flagged] = [
        Flagged(data: threeDatums, fn: "dpo", problem: "pairs, and it selects 3 datums"),
        Flagged(data: threeDatums, fn: "{name: dpo, datums: [0]}", problem: "pairs, and it selects 1 datums"),
        Flagged(data: threeDatums, fn: "reverse_kl_topk", problem: "datum 0 has targets of shape [1]; it needs [T, K] targets"),
        Flagged(data: bare, fn: "weighted_nll", problem: "datum 0 has no loss_fn_inputs.weights"),
        Flagged(data: bare, fn: "kl_to_reference", problem: "datum 0 has no loss_fn_inputs.ref_logprobs"),
        Flagged(
            data: "data:\n      - {tokens: [1], targets: [[2, 3]], weights: [[0.5, 0.0]], logprobs: [[-0.5, -1.0]]}",
            fn: "reverse_kl_topk", problem: "holds 0.0; it needs values > 0"),
    ]

    @Test("a case expecting success whose data cannot serve its fn is rejected at the fn", arguments: flagged)
    func rejected(_ example: Flagged) throws {
        let workspace = try SpecWorkspace()
        let text = specFile(data: example.data, call: Self.call(example.fn), expect: Self.success)
        let path = try workspace.write("specs/a.yaml", text)
        let diagnostics = workspace.load("specs").diagnostics
        try #require(diagnostics.count == 1, "\(diagnostics)")
        let diagnostic = diagnostics[0]
        #expect(diagnostic.message.contains("cannot run on this case's data"))
        #expect(diagnostic.message.contains(example.problem), "\(diagnostic.message)")
        // file:line:column of the fn reference.
        let lines = text.components(separatedBy: "\n")
        let line = try #require(lines.firstIndex { $0.contains("fn: \(example.fn)") }) + 1
        #expect(diagnostic.location.file == path)
        #expect(diagnostic.location.line == line)
        #expect(diagnostic.location.column == (lines[line - 1].range(of: example.fn).map { lines[line - 1].distance(from: lines[line - 1].startIndex, to: $0.lowerBound) } ?? -1) + 1)
    }

    @Test("the same case expecting loss_fn_failed is legal", arguments: flagged)
    func legalWhenTheFailureIsExpected(_ example: Flagged) throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(data: example.data, call: Self.call(example.fn), expect: Self.fnFailure))
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        #expect(suite.cases.count == 1)
    }

    @Test("data that serves the fn passes", arguments: [
        "{name: dpo, datums: [0, 1]}", "{name: dpo, datums: [2, 0]}", "weighted_nll", "kl_to_reference", "sum",
    ])
    func served(_ fn: String) throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(data: Self.threeDatums, call: Self.call(fn), expect: Self.success))
        #expect(workspace.load("specs").diagnostics.isEmpty)
    }

    @Test("a base loss_fn is checked too")
    func baseLoss() throws {
        let workspace = try SpecWorkspace()
        let call = "call:\n      loss_fn: weighted_nll\n      regularizers:\n        - {name: s, weight: 1.0, fn: sum}"
        try workspace.write("specs/a.yaml", specFile(data: Self.bare, call: call, expect: Self.success))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("the fn 'weighted_nll' cannot run"))
    }

    /// Semantics section 2: a case carries only the inputs its fns read, so that an engine
    /// without `extra_inputs` skips only the cases that need them.
    @Test("every shipped case that carries an extra input has a fn that reads it")
    func shippedCasesCarryOnlyReadInputs() throws {
        let specs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("specs").path
        let suite = SpecLoader().load(paths: [specs])
        #expect(suite.diagnostics.isEmpty)
        #expect(suite.cases.count > 100)
        var carrying = 0
        for specCase in suite.cases {
            let carried = Set(specCase.input.data.flatMap(\.datum.lossFnInputs.keys)).subtracting(SpecCase.plainInputs)
            guard !carried.isEmpty else { continue }
            carrying += 1
            let read = Set(specCase.input.call.allFns.flatMap { fn in
                (Catalogue.standard.requirements(of: fn.name) ?? []).compactMap { requirement -> String? in
                    switch requirement {
                    case .input(let name), .optionalInput(let name), .positiveInput(let name): name
                    case .pairs, .multiTarget: nil
                    }
                }
            })
            #expect(carried.isSubset(of: read), "\(specCase.id) carries \(carried.sorted()) and its fns read \(read.sorted())")
            #expect(specCase.requiredCapabilities.contains(Capability.extraInputs))
        }
        #expect(carrying > 0)
    }
}
