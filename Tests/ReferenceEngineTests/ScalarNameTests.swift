import ReferenceEngine
import Testing
import SpecTestSupport
import TinkerWire
@testable import SpecHarness

/// Semantics section 2: names and metric keys are compared as Unicode scalars, so "café"
/// (U+00E9) and "cafe\u{301}" are two names everywhere: the loader, the JSON reader, the
/// checker and the reference.
@Suite("Names compared as Unicode scalars")
struct ScalarNameTests {
    static let precomposed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    @Test("the two spellings are equal to Swift's == but not as keys")
    func spellings() {
        #expect(Self.precomposed == Self.decomposed)  // canonical equivalence: why this matters
        #expect(!ScalarKey.same(Self.precomposed, Self.decomposed))
        let object: ScalarKeyedDictionary<Int> = [Self.precomposed: 1, Self.decomposed: 2]
        #expect(object.count == 2)
        #expect(object[Self.decomposed] == 2)
        #expect(ScalarKey.quoted(Self.decomposed, among: [Self.precomposed]) == #"'cafe\u{301}'"#)
        #expect(ScalarKey.quoted("l2", among: ["l2"]) == "'l2'")
    }

    @Test("the JSON reader keeps both keys of an object, in order; an exact repeat is an error")
    func jsonKeepsBothKeys() throws {
        let value = try JSONParser.parse(#"{"caf\u00e9": 1, "cafe\u0301": 2}"#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys.map(\.unicodeScalars.count) == [4, 5])
        #expect(object[Self.precomposed] == .integer(1))
        #expect(object[Self.decomposed] == .integer(2))
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"caf\u00e9": 1, "cafe\u0301": 2, "caf\u00e9": 3}"#) }
    }

    @Test("the YAML loader keeps both keys; an exact repeat is still a duplicate", arguments: [
        "    caf\u{E9}: 1\n    cafe\u{301}: 2\n",
        "    \"caf\\u00e9\": 1\n    \"cafe\\u0301\": 2\n",
    ])
    func yamlKeepsBothKeys(_ mapping: String) throws {
        let value = try YAMLValue.parse("top:\n" + mapping, file: "a.yaml")
        guard case .mapping(let top) = value.content, case .mapping(let pairs)? = top.first?.value.content else {
            Issue.record("not a mapping")
            return
        }
        #expect(pairs.count == 2)
        #expect(pairs.map { $0.key.unicodeScalars.count } == [4, 5])
        #expect(throws: SpecDiagnostic.self) {
            try YAMLValue.parse("top:\n    \"caf\\u00e9\": 1\n    caf\u{E9}: 2\n", file: "a.yaml")
        }
    }

    /// The case of `specFile()` with its one regularizer named "café".
    func cafeCase() throws -> SpecCase {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(
            call: "call:\n      regularizers:\n        - {name: \"caf\\u00e9\", weight: 0.5, fn: sum}",
            expect: "expect:\n      metrics: {loss_total: -1.5}"))
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        return try #require(suite.cases.first)
    }

    /// A run reply for that case whose metrics hold `entries` under `regularizers`.
    func reply(entries: String) -> String {
        let entry = #"{"value": -3.0, "weight": 0.5, "contribution": -1.5, "custom": {}}"#
        let datum = #"{"model_input": {"chunks": [{"tokens": [1, 2]}]}, "loss_fn_inputs": {"target_tokens": {"data": [2, 3], "dtype": "int64"}"#
        return #"{"outcome": "success", "metrics": {"loss_total": -1.5, "regularizers": {"#
            + entries.replacingOccurrences(of: "ENTRY", with: entry)
            + #"}, "regularizer_total": -1.5}, "requests": {"forward": [{"loss_fn": "cross_entropy", "data": ["# + datum + #"}}]}], "#
            + #""backward": [{"loss_fn": "cross_entropy", "data": ["# + datum
            + #", "weights": {"data": [-0.5, -0.5], "dtype": "float32"}}}]}]}}"#
    }

    @Test("an engine that adds an entry under the second spelling fails the case, with escapes in the message")
    func extraSpellingFails() throws {
        let specCase = try cafeCase()
        let honest = try Observation(json: try JSONParser.parse(reply(entries: #""caf\u00e9": ENTRY"#)))
        #expect(CaseChecker(specCase).check(honest) == [])

        let extra = try Observation(json: try JSONParser.parse(reply(entries: #""caf\u00e9": ENTRY, "cafe\u0301": ENTRY"#)))
        let mismatches = CaseChecker(specCase).check(extra)
        let keys = try #require(mismatches.first { $0.path == "metrics.regularizers" })
        #expect(keys.message.contains(#"unexpected ['cafe\u{301}' (other Unicode scalars than 'caf\u{E9}')]"#), "\(keys.message)")
    }

    @Test("an engine that reports the name under the other spelling fails, and the message says so")
    func otherSpellingFails() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(
            call: "call:\n      regularizers:\n        - {name: \"caf\\u00e9\", weight: 0.5, fn: sum}",
            expect: "expect:\n      metrics: {regularizers: {\"caf\\u00e9\": {value: -3.0}}}"))
        let specCase = try #require(workspace.load("specs").cases.first)
        let renamed = try Observation(json: try JSONParser.parse(reply(entries: #""cafe\u0301": ENTRY"#)))
        let mismatches = CaseChecker(specCase).check(renamed)
        #expect(mismatches.contains { $0.message.contains("a different spelling") }, "\(mismatches)")
        #expect(mismatches.contains { $0.path == "metrics.regularizers" })
    }

    @Test("the reference accepts both spellings as two regularizers, with two entries")
    func referenceKeepsBoth() async throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(
            call: "call:\n      regularizers:\n        - {name: \"caf\\u00e9\", weight: 0.5, fn: sum}\n        - {name: \"cafe\\u0301\", weight: 0.1, fn: sum}",
            expect: "expect:\n      requests: {forward: 1, backward: 1}"))
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        let specCase = try #require(suite.cases.first)
        let observation = await ReferenceEngine().run(specCase.input)
        guard case .success(let metrics) = observation.outcome else { Issue.record("\(observation.outcome)"); return }
        guard case .object(let entries)? = metrics["regularizers"] else { Issue.record("no regularizers"); return }
        #expect(ScalarKey.same(entries.keys, [Self.precomposed, Self.decomposed]))
        #expect(CaseChecker(specCase).check(observation) == [])
        // Through the protocol and back, the two entries stay two.
        let echoed = try Observation(json: try JSONParser.parse(observation.json.serialized()))
        guard case .success(let back) = echoed.outcome, case .object(let backEntries)? = back["regularizers"] else {
            Issue.record("lost on the wire")
            return
        }
        #expect(backEntries.keys.count == 2)
    }

    @Test("the loader still rejects an exactly repeated name, and accepts the two spellings")
    func loaderDuplicateNames() throws {
        func diagnostics(_ second: String) throws -> [SpecDiagnostic] {
            let workspace = try SpecWorkspace()
            try workspace.write("specs/a.yaml", specFile(
                call: "call:\n      regularizers:\n        - {name: \"caf\\u00e9\", weight: 0.5, fn: sum}\n        - {name: \(second), weight: 0.1, fn: sum}",
                expect: "expect:\n      requests: {forward: 1, backward: 1}"))
            return workspace.load("specs").diagnostics
        }
        #expect(try diagnostics("\"cafe\\u0301\"").isEmpty)
        #expect(try diagnostics("caf\u{E9}").first?.message.contains("is repeated") == true)
    }
}
