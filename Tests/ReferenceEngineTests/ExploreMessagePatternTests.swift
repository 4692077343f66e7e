import Foundation
import ReferenceEngine
import Testing
import TinkerWire
@testable import SpecHarness

/// What explore expects an error message to say.
@Suite struct ExploreMessagePatternTests {
    /// Semantics section 2: the message names what is wrong, checked in order within an entry.
    @Test("an invalid entry's expected message must name its first problem, not an unknown key beside it")
    func invalidEntryMessageNamesItsFirstProblem() async throws {
        var call = CallSpec(lossFn: nil, regularizers: [], options: CallOptions(), entryPoint: .call)
        var entry = CaseGenerator.entry(name: .string("kl"), weight: nil, fn: FnSpec(name: "sum"))
        entry.fields["scale"] = .value(.number(2))
        call.regularizers = [CaseGenerator.entry(name: .string("l2"), weight: .number(1), fn: FnSpec(name: "sum")), entry]
        var random = SeededGenerator(seed: 9)
        let generated = ExploreCase(datums: [CaseGenerator.datum(random: &random, topK: false)], call: call, intent: "invalid_regularizer")
        let result = await DifferentialCheck(reference: ReferenceEngine(), engine: ReferenceEngine()).compare(generated, id: "order")
        guard case .failure(let expected) = result.specCase.expectation else {
            Issue.record("the reference accepted an entry without a weight")
            return
        }
        let pattern = try #require(expected.messagePattern)
        let matches = { (message: String) in
            if case .matched = MessagePattern(pattern).match(message) { return true }
            return false
        }
        #expect(matches("regularizers[1] ('kl'): 'weight' is missing; give a finite real number"))
        #expect(!matches("regularizers[1] ('kl'): unknown key 'scale'"), "/\(pattern)/")
        #expect(!matches("regularizers[0] ('kl'): 'weight' is missing"), "/\(pattern)/")

        // An unknown key alone is named as such.
        call.regularizers[1].fields["weight"] = .value(.number(1))
        let unknownOnly = ExploreCase(datums: generated.datums, call: call, intent: "invalid_regularizer")
        let second = await DifferentialCheck(reference: ReferenceEngine(), engine: ReferenceEngine()).compare(unknownOnly, id: "order")
        guard case .failure(let expectedSecond) = second.specCase.expectation, let secondPattern = expectedSecond.messagePattern else {
            Issue.record("the reference accepted an unknown key")
            return
        }
        #expect(secondPattern.contains("scale"), "/\(secondPattern)/")
        if case .disagreed(let mismatches) = second.verdict { Issue.record("the reference disagreed with itself: \(mismatches)") }
    }

    /// The index scan that replaced a `Regex` gives what the `Regex` gives, on hostile messages.
    @Test("the entry index scan finds what the regular expression finds")
    func entryIndexScanMatchesTheRegex() {
        let messages = [
            "regularizers[0] ('kl'): 'weight' is missing", "regularizers[12] ('x'): bad", "regularizers[]", "regularizers[",
            "regularizers[3", "regularizers[a] then regularizers[7]", "xregularizers[4]y", "regularizers[[5]", "",
            "regularizers[99999999999999999999]", "regularizers[١]", "caf\u{e9} regularizers[2] (caf\u{e9})", "regularizers[0012]",
            "REGULARIZERS[1]", "regularizers[1]regularizers[2]",
        ]
        for message in messages {
            let expected = message.firstMatch(of: /regularizers\[(\d+)\]/).flatMap { Int($0.1) }
            #expect(DifferentialCheck.entryIndex(in: message) == expected, "\(message)")
        }
    }
}
