import ReferenceEngine
import Testing
import SpecTestSupport
import TinkerWire
@testable import SpecHarness

/// Tolerance and `absent` paths: every key can be named, a path that names nothing is
/// rejected, and a check that cannot be resolved fails.
@Suite("Field paths")
struct FieldPathTests {
    @Test("dotted paths split at unescaped dots; escapes name keys holding dots or backslashes")
    func parsing() throws {
        #expect(try FieldPath(parsing: "regularizers.kl\\.k3.custom").keys == ["regularizers", "kl.k3", "custom"])
        #expect(try FieldPath(parsing: "a\\\\b.c").keys == ["a\\b", "c"])
        #expect(FieldPath(["regularizers", "kl.k3", "custom"]).description == "regularizers.kl\\.k3.custom")
        for bad in [".base_loss", "base_loss.", "a..b", "", "a\\", "a\\x"] {
            #expect(throws: FieldPath.SyntaxError.self, "\(bad)") { try FieldPath(parsing: bad) }
        }
    }

    @Test("keys compare as Unicode scalars, and prefixes end at key boundaries")
    func comparison() {
        #expect(FieldPath(["café"]) != FieldPath(["cafe\u{301}"]))
        #expect(FieldPath(["metrics", "regularizers", "l2"]).starts(with: "metrics.regularizers"))
        #expect(!FieldPath(["metrics", "regularizers_extra"]).starts(with: "metrics.regularizers"))
    }

    func diagnostics(expect: String, call: String? = nil) throws -> [String] {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", call.map { specFile(call: $0, expect: expect) } ?? specFile(expect: expect))
        return workspace.load("specs").diagnostics.map(\.description)
    }

    @Test("validate rejects tolerance fields that name nothing the case compares, with a did-you-mean")
    func toleranceFieldsMustApply() throws {
        let base = "expect:\n      metrics: {loss_total: -1.5}\n      tolerance:\n        fields:\n"
        let typo = try diagnostics(expect: base + "          metrics.loss_tot: {atol: 0.0}")
        #expect(typo.first?.contains("tolerance field 'metrics.loss_tot' applies to nothing the case compares (did you mean 'metrics.loss_total'?)") == true)
        let plural = try diagnostics(expect: base + "          gradients: {atol: 0.0}")
        #expect(plural.first?.contains("names neither a metric nor the gradient (did you mean 'gradient'?)") == true)
        let glued = try diagnostics(expect: base + "          metricsX: {atol: 0.0}")
        #expect(glued.first?.contains("'metricsX' names neither") == true)
        let noGradient = try diagnostics(expect: base + "          gradient: {atol: 0.0}")
        #expect(noGradient.first?.contains("tolerance field 'gradient' applies to nothing") == true)
        #expect(try diagnostics(expect: base + "          metrics.loss_total: {atol: 0.0}") == [])
        #expect(try diagnostics(expect: base + "          metrics: {atol: 0.0}") == [])
    }

    @Test("a tolerance field in defaults must apply to some case of the file")
    func defaultFields() throws {
        let workspace = try SpecWorkspace()
        let text = specFile().replacingOccurrences(
            of: "cases:", with: "defaults:\n  tolerance:\n    fields:\n      gradient: {rtol: 0.0}\ncases:")
        try workspace.write("specs/a.yaml", text)
        let diagnostics = workspace.load("specs").diagnostics.map(\.description)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.contains("defaults: tolerance field 'gradient' applies to nothing") == true)
    }

    @Test("absent paths: empty keys, unknown regularizers and keys below numbers are rejected")
    func absentPathsMustNameSomething() throws {
        let call = "call:\n      loss_fn: weighted_nll\n      regularizers:\n        - {name: kl.k3, weight: 0.5, fn: sum}"
        func problems(_ absent: String) throws -> [String] {
            try diagnostics(expect: "expect:\n      requests: {forward: 1, backward: 1}\n      absent: \(absent)", call: call)
        }
        #expect(try problems("[.base_loss]").first?.contains("has an empty key") == true)
        let split = try problems("[regularizers.kl.k3.custom]")
        #expect(split.first?.contains("no regularizer of the call is named 'kl'") == true)
        #expect(split.first?.contains("write 'regularizers.kl\\.k3.custom' or a list of keys") == true)
        #expect(try problems("[regularizers.kl\\.k3.custm]").first?.contains("did you mean 'custom'?") == true)
        #expect(try problems("[loss_total.value]").first?.contains("nothing lies below 'loss_total'") == true)
        #expect(try problems("[regularizers.kl\\.k3.value.x]").first?.contains("is a number") == true)
        #expect(try problems("[[regularizers, kl.k3, grad_norm], regularizers.kl\\.k3.custom.extra, base_loss.grad_norm, \"tokens:sum\"]") == [])
    }

    /// One regularizer `kl.k3` (sum, weight 0.5) over lp = [-1, -2].
    func dottedCase(expect: String) throws -> SpecCase {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(call: "call:\n      regularizers:\n        - {name: kl.k3, weight: 0.5, fn: sum}", expect: expect))
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        let specCase = try #require(suite.cases.first)
        return specCase
    }

    @Test("absent splits at unescaped dots only: a present field named through an escape fails")
    func absentWithDots() async throws {
        let specCase = try dottedCase(expect: "expect:\n      absent: [regularizers.kl\\.k3.custom, [regularizers, kl.k3, grad_norm]]")
        let observation = await ReferenceEngine().run(specCase.input)
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["metrics.regularizers.kl\\.k3.custom"])
    }

    @Test("an absent path whose parent is missing or a number cannot be checked, and fails")
    func absentFailsClosed() async throws {
        let specCase = try dottedCase(expect: "expect:\n      absent: [regularizers.kl\\.k3.grad_norm]")
        var observation = await ReferenceEngine().run(specCase.input)
        #expect(CaseChecker(specCase).check(observation) == [])
        guard case .success(var metrics) = observation.outcome else { throw Failure("expected success") }
        metrics["regularizers"] = .object(["kl.k3": .number(1)])
        observation.outcome = .success(metrics: metrics)
        let mismatches = CaseChecker(specCase).check(observation)
        #expect(mismatches.contains { $0.message.contains("cannot check that it is absent: metrics.regularizers.kl\\.k3 is a number") })
    }

    @Test("a tolerance field no comparison uses fails the case at run time (a case built in code)")
    func unusedToleranceFailsClosed() async throws {
        var specCase = try dottedCase(expect: "expect:\n      metrics: {loss_total: -1.5}")
        specCase.tolerance.fields["metrics.loss_tot"] = TolerancePatch(absolute: 0)
        specCase.tolerance.ownFields.insert("metrics.loss_tot")
        let observation = await ReferenceEngine().run(specCase.input)
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["tolerance.fields.metrics.loss_tot"])
    }

    @Test("an error pattern that does not compile fails the check instead of passing it")
    func invalidPatternFailsClosed() async throws {
        var specCase = try dottedCase(expect: "expect:\n      error: {message: boom}")
        specCase.expectation = .failure(ErrorExpectation(messagePattern: "([", location: specCase.location))
        let observation = Observation(
            outcome: .failure(ObservedError(kind: nil, label: nil, message: "boom", type: nil)), forwardRequests: [], backwardRequests: [])
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["error.message"])
    }
}

/// A test's own failure, for `throw` in a test that cannot go on.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
