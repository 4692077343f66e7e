import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

@Suite("Loading spec files")
struct SpecLoaderTests {
    @Test("a well-formed file loads into cases with resolved data")
    func loadsCase() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile())
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty)
        let specCase = try #require(suite.cases.first)
        #expect(specCase.id == "example/case")
        #expect(specCase.input.data.count == 1)
        #expect(specCase.input.data[0].logprobs == [-1.0, -2.0])
        #expect(specCase.input.data[0].datum.lossFnInputs["weights"]?.data == [1.0, 0.5])
        #expect(specCase.requiredCapabilities == [Capability.structured])
    }

    @Test("malformed YAML is reported at its line and column")
    func yamlSyntax() throws {
        let workspace = try SpecWorkspace()
        let path = try workspace.write("specs/a.yaml", "suite: x\ncases:\n  - id: a\n    summary: [unclosed\n")
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.location.file == path)
        #expect(diagnostic.location.line == 5)
        #expect(diagnostic.message.contains("invalid YAML"))
    }

    @Test("an unknown key gets its location and a did-you-mean")
    func unknownKey() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile().replacingOccurrences(of: "summary:", with: "sumary:"))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("unknown key 'sumary'"))
        #expect(diagnostic.message.contains("did you mean 'summary'?"))
        #expect(diagnostic.location.line == 4)
        #expect(diagnostic.location.column == 5)
    }

    @Test("a wrong type names the field and both types")
    func wrongType() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile().replacingOccurrences(of: "weight: 0.5, fn: sum", with: "weight: 0.5, fn: {name: sum, scale: big}"))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("scale must be a number, not a string"))
    }

    @Test("duplicate ids across files are reported at the second use")
    func duplicateIDs() throws {
        let workspace = try SpecWorkspace()
        let first = try workspace.write("specs/a.yaml", specFile(id: "same/id"))
        let second = try workspace.write("specs/b.yaml", specFile(id: "same/id"))
        let diagnostics = workspace.load("specs").diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location.file == second)
        #expect(diagnostics.first?.message.contains("already used at \(first):3") == true)
    }

    @Test("an unknown catalogue fn is rejected with a suggestion")
    func unknownFn() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile().replacingOccurrences(of: "fn: sum}", with: "fn: sum_of_square}"))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("unknown catalogue fn 'sum_of_square'"))
        #expect(diagnostic.message.contains("did you mean 'sum_of_squares'?"))
    }

    @Test("a missing fixture file names the path and the fixtures folder")
    func missingFixture() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(data: "data: {fixture: datasets/none.yaml}"))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("fixture file 'datasets/none.yaml' not found"))
        #expect(diagnostic.location.line == 6)  // the line of `data:`
    }

    @Test("fixture data loads from the fixtures folder beside specs")
    func fixtureData() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("fixtures/datasets/one.yaml", "data:\n  - {tokens: [4], targets: [5], logprobs: [-0.25]}\n")
        try workspace.write("specs/a.yaml", specFile(data: "data: {fixture: datasets/one.yaml}"))
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty)
        #expect(suite.cases.first?.input.data.first?.logprobs == [-0.25])
    }

    @Test("a malformed regularizer is only allowed where invalid_regularizer is expected")
    func malformedRegularizer() throws {
        let workspace = try SpecWorkspace()
        let malformed = specFile().replacingOccurrences(of: "{name: total, weight: 0.5, fn: sum}", with: "{nme: total, weight: 0.5, fn: sum}")
        try workspace.write("specs/a.yaml", malformed)
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("regularizers[0] is malformed"))

        try workspace.write("specs/a.yaml", malformed.replacingOccurrences(
            of: "metrics: {loss_total: -1.5, regularizers: {total: {value: -3.0}}}",
            with: "error: {kind: invalid_regularizer}"))
        #expect(workspace.load("specs").diagnostics.isEmpty)
    }

    @Test("datum selections out of range and logprob counts are checked")
    func dataConsistency() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile().replacingOccurrences(of: "fn: sum}", with: "fn: {name: sum, datums: [3]}}"))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("selects datum 3 but the case has 1 datums") == true)

        try workspace.write("specs/a.yaml", specFile().replacingOccurrences(of: "logprobs: [-1.0, -2.0]", with: "logprobs: [-1.0]"))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("has 1 logprobs but its targets have 2 elements") == true)
    }

    @Test("an unknown error kind and an invalid message pattern are rejected")
    func errorExpectation() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(expect: "expect:\n      error: {kind: missing_los}"))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("did you mean 'missing_loss'?") == true)
        try workspace.write("specs/a.yaml", specFile(expect: "expect:\n      error: {kind: missing_loss, message: \"([\"}"))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("not a valid regular expression") == true)
    }

    @Test("a broken case does not stop the other cases of its file from loading")
    func keepsGoing() throws {
        let workspace = try SpecWorkspace()
        let good = specFile(id: "a/good")
        let broken = specFile(id: "a/broken").replacingOccurrences(of: "summary:", with: "sumary:")
        let secondCase = broken.components(separatedBy: "cases:\n")[1]
        try workspace.write("specs/a.yaml", good + secondCase)
        let suite = workspace.load("specs")
        #expect(suite.cases.map(\.id) == ["a/good"])
        #expect(suite.diagnostics.count == 1)
    }

    @Test("durations that cannot become a Duration are rejected, not trapped on", arguments: [
        "options: {timeout_ms: .inf}", "options: {timeout_ms: .nan}", "options: {timeout_ms: 1.0e+300}",
    ])
    func badDurations(_ options: String) throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(call: """
            call:
                  regularizers: [{name: total, weight: 0.5, fn: {name: sum, async: true, delay_ms: 1}}]
                  \(options)
            """))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("timeout_ms must be a positive, finite number") == true)
        try workspace.write("specs/a.yaml", specFile(call: """
            call:
                  regularizers: [{name: total, weight: 0.5, fn: {name: sum, async: true, delay_ms: .inf}}]
            """))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("delay_ms must be a finite number") == true)
    }

    @Test("a wire-form shape whose product overflows is a diagnostic, not a trap")
    func overflowingShape() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(data: """
            data:
                  - tokens: [1, 2]
                    loss_fn_inputs: {target_tokens: {data: [2, 3], dtype: int64, shape: [4611686018427387904, 4]}}
                    logprobs: [-1.0, -2.0]
            """))
        #expect(workspace.load("specs").diagnostics.first?.message.contains("has shape [4611686018427387904, 4] but 2 values") == true)
    }

    @Test("a path that does not exist is a diagnostic, not a crash")
    func missingPath() {
        let suite = SpecLoader().load(paths: ["/nonexistent/specs"])
        #expect(suite.diagnostics.first?.message == "no such file or directory")
    }

    @Test("capabilities are derived from the call")
    func capabilities() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(call: """
            call:
                  loss_fn: {name: sum, async: true, delay_ms: 1}
                  regularizers: [{name: total, weight: 0.5, fn: sum}]
                  options: {track_grad_norms: true, timeout_ms: 100, max_concurrency: 2}
                  entry_point: future
            """))
        let specCase = try #require(workspace.load("specs").cases.first)
        #expect(specCase.requiredCapabilities == [
            Capability.structured, Capability.async, Capability.gradNorms, Capability.timeouts,
            Capability.maxConcurrency, Capability.future,
        ])
    }

    @Test("a datum carrying an input other than target_tokens and weights needs extra_inputs")
    func extraInputs() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(data: """
            data:
                  - {tokens: [1, 2], targets: [2, 3], weights: [1.0, 0.5], inputs: {ref_logprobs: [-1.0, -1.5]}, logprobs: [-1.0, -2.0]}
            """))
        let specCase = try #require(workspace.load("specs").cases.first)
        #expect(specCase.requiredCapabilities == [Capability.structured, Capability.extraInputs])
        #expect(Capability.optional.contains(Capability.extraInputs))
    }
}

@Suite("Arrays in .npy files")
struct NumPyArrayTests {
    @Test("logprobs, targets and gradients can come from .npy files under fixtures")
    func loadsArrays() throws {
        let workspace = try SpecWorkspace()
        try FileManager.default.createDirectory(atPath: workspace.root + "/fixtures/arrays", withIntermediateDirectories: true)
        try npyFile([-1.0, -2.0], shape: [2]).write(to: URL(fileURLWithPath: workspace.root + "/fixtures/arrays/lp.npy"))
        try npyFile([2, 3], shape: [2]).write(to: URL(fileURLWithPath: workspace.root + "/fixtures/arrays/targets.npy"))
        try npyFile([0.5, 0.5], shape: [1, 2]).write(to: URL(fileURLWithPath: workspace.root + "/fixtures/arrays/grad.npy"))
        try workspace.write("specs/a.yaml", specFile(
            data: """
                data:
                      - {tokens: [1, 2], targets: {npy: arrays/targets.npy}, logprobs: {npy: arrays/lp.npy}}
                """,
            expect: """
                expect:
                      gradient: [{npy: arrays/grad.npy}]
                """))
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        let specCase = try #require(suite.cases.first)
        #expect(specCase.input.data[0].logprobs == [-1.0, -2.0])
        #expect(specCase.input.data[0].datum.targetTokens?.data == [2, 3])
        guard case .success(let expectation) = specCase.expectation else {
            Issue.record("expected a success expectation")
            return
        }
        #expect(expectation.gradient?.first?.values == [0.5, 0.5])
    }

    @Test("a file that is not .npy is a diagnostic at the reference")
    func rejectsGarbage() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("fixtures/bad.npy", "not numpy")
        try workspace.write("specs/a.yaml", specFile(data: """
            data:
                  - {tokens: [1, 2], targets: [2, 3], logprobs: {npy: bad.npy}}
            """))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("is not a supported .npy file: no NUMPY magic"))
        #expect(diagnostic.location.line == 7)
    }
}

@Suite("Malformed spec files")
struct MalformedSpecTests {
    /// Every prefix of a real spec file, and every single-character corruption of one, loads to
    /// cases or diagnostics: a crash would end the test process, so finishing is the check.
    @Test("truncated and corrupted files give diagnostics, never a crash")
    func truncationsAndCorruptions() throws {
        let workspace = try SpecWorkspace()
        let text = specFile(call: """
            call:
                  loss_fn: {name: weighted_nll, async: true, delay_ms: 0}
                  regularizers:
                    - {name: total, weight: 0.5, fn: {name: kl_to_reference, estimator: k2, datums: [0]}}
                  options: {track_grad_norms: true}
            """)
        let bytes = Array(text.utf8)
        var diagnosed = 0
        for end in stride(from: 0, to: bytes.count, by: 3) {
            try workspace.write("specs/a.yaml", String(decoding: bytes[..<end], as: UTF8.self))
            let suite = workspace.load("specs")
            if !suite.diagnostics.isEmpty { diagnosed += 1 }
            for diagnostic in suite.diagnostics {
                #expect(diagnostic.location.line >= 1 && diagnostic.location.column >= 1)
            }
        }
        let replacements: [UInt8] = Array(":[-{\"\t&*".utf8)
        for (index, replacement) in zip(stride(from: 0, to: bytes.count, by: 5), replacements.cycled()) {
            var corrupted = bytes
            corrupted[index] = replacement
            try workspace.write("specs/a.yaml", String(decoding: corrupted, as: UTF8.self))
            _ = workspace.load("specs")
        }
        #expect(diagnosed > bytes.count / 3 / 2, "most truncations must be reported")
    }
}

extension Array {
    /// The elements repeated forever, for zipping with a longer sequence.
    func cycled() -> some Sequence<Element> {
        sequence(first: 0) { ($0 + 1) % count }.lazy.map { self[$0] }
    }
}
