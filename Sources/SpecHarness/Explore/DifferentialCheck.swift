import Foundation
import TinkerWire

/// Runs one generated case on the engine under test and on the reference, and judges the
/// engine by what the reference observed, with the same checker, tolerance and invariants as
/// `regspec run`.
public struct DifferentialCheck: Sendable {
    /// The trusted side: its observation becomes the case's expectation.
    public let reference: any Engine
    public let engine: any Engine
    /// What the engine announced; a case only float64 arithmetic can pass is skipped without `float64`.
    public let engineCapabilities: Set<String>

    /// - Parameters:
    ///   - reference: the trusted engine, usually `ReferenceEngine` (the harness links none itself).
    public init(reference: any Engine, engine: any Engine, engineCapabilities: Set<String> = Set(Capability.all)) {
        self.reference = reference
        self.engine = engine
        self.engineCapabilities = engineCapabilities
    }

    /// The capability of engines that compute in float64 (semantics section 10).
    public static let float64Capability = "float64"

    /// How one case came out.
    public enum Verdict: Sendable {
        case agreed
        case disagreed([Mismatch])
        /// Not run: the case needs float64 arithmetic and the engine does not announce it.
        case skipped(String)
        /// The engine broke (crash, hang, garbage): nothing to compare.
        case errored(String)
    }

    /// The outcome of one comparison, with the spec case the reference's observation made.
    public struct Result: Sendable {
        public var verdict: Verdict
        public var specCase: SpecCase
        /// What the reference did: `success`, or the error kind it reported.
        public var referenceOutcome: String
    }

    public func compare(_ generated: ExploreCase, id: String) async -> Result {
        let input = generated.input(id: id)
        let expected: Observation
        do {
            expected = try await reference.run(input)
        } catch {
            let specCase = Self.specCase(id: id, input: input, expectation: .failure(ErrorExpectation(
                kind: nil, messagePattern: ".", label: nil, requests: nil, location: .start(of: "explore"))), tolerance: ToleranceSettings())
            return Result(verdict: .errored("the reference could not run the case: \(error)"), specCase: specCase, referenceOutcome: "errored")
        }
        let (expectation, tolerance) = Self.expectation(from: expected, input: input)
        var specCase = Self.specCase(id: id, input: input, expectation: expectation, tolerance: tolerance)
        let outcome = Self.outcomeName(expected)
        if case .success = expectation, await !isWellConditioned(generated, judgedBy: specCase) {
            specCase.declaredRequirements.insert(Self.float64Capability)
            if !engineCapabilities.contains(Self.float64Capability) {
                return Result(verdict: .skipped("only float64 arithmetic meets the tolerance"), specCase: specCase, referenceOutcome: outcome)
            }
        }
        do {
            let observation = try await engine.run(input)
            let mismatches = CaseChecker(specCase).check(observation)
            return Result(verdict: mismatches.isEmpty ? .agreed : .disagreed(mismatches), specCase: specCase, referenceOutcome: outcome)
        } catch {
            return Result(verdict: .errored(String(describing: error)), specCase: specCase, referenceOutcome: outcome)
        }
    }

    /// Whether the reference's own result survives a nudge of every input by a few float32 ulps,
    /// once in random directions and once all one way (the worst case for long sums such as DPO's
    /// rewards): if not, float32 arithmetic cannot meet the tolerance either, and the case needs
    /// `float64`. A heuristic that errs on the side of asking for float64.
    func isWellConditioned(_ generated: ExploreCase, judgedBy specCase: SpecCase) async -> Bool {
        var random = SeededGenerator(seed: 0x5EED)
        for systematic in [false, true] {
            var nudged = generated
            func nudge(_ values: [Double], _ direction: Double) -> [Double] {
                values.map { ($0 * (1 + (systematic ? direction : random.double(in: -1...1)) * 0x1.0p-21)).float32Rounded }
            }
            for index in nudged.datums.indices {
                nudged.datums[index].logprobs = nudge(nudged.datums[index].logprobs, 1)
                nudged.datums[index].weights = nudged.datums[index].weights.map { nudge($0, -1) }
                nudged.datums[index].refLogprobs = nudged.datums[index].refLogprobs.map { nudge($0, -1) }
            }
            guard let observation = try? await reference.run(nudged.input(id: specCase.id)) else { continue }
            if !CaseChecker(specCase).check(observation).isEmpty { return false }
        }
        return true
    }

    static func outcomeName(_ observation: Observation) -> String {
        switch observation.outcome {
        case .success: return "success"
        case .failure(let error): return error.kind ?? "unclassified error"
        }
    }

    static func specCase(id: String, input: CaseInput, expectation: Expectation, tolerance: ToleranceSettings) -> SpecCase {
        SpecCase(
            id: id, summary: "generated by regspec explore", tags: ["explore"], covers: Coverage(checklist: [], rules: []),
            suite: "explore", location: .start(of: "explore"), input: input, expectation: expectation,
            tolerance: tolerance, declaredRequirements: [])
    }

    /// The reference's observation as a case's expectation: every metric but the backend's own
    /// (`loss:sum`, unless a legacy loss_fn reports it), the gradient it sent, the request counts;
    /// or its error's kind, label and what its message must name. NaN is expected as NaN where
    /// the reference reported one.
    public static func expectation(from observation: Observation, input: CaseInput) -> (Expectation, ToleranceSettings) {
        let here = SourceLocation.start(of: "explore")
        let requests = RequestCounts(forward: observation.forwardRequests.count, backward: observation.backwardRequests.count)
        switch observation.outcome {
        case .failure(let error):
            let pattern = error.kind == nil ? "." : messagePattern(for: error, input: input)
            return (.failure(ErrorExpectation(kind: error.kind, messagePattern: pattern, label: error.label, requests: requests, location: here)), ToleranceSettings())
        case .success(let metrics):
            var sawNaN = false
            let reported = input.call.regularizers.isEmpty ? Set(input.call.lossFn?.metrics.keys ?? []) : []
            let unpinned = backendMetricKeys.subtracting(reported)
            func tree(_ metrics: Metrics, top: Bool) -> ExpectedMetric {
                var children: [(key: String, value: ExpectedMetric)] = []
                for (key, value) in metrics where !(top && unpinned.contains(key)) {
                    switch value {
                    case .number(let number):
                        if number.isNaN { sawNaN = true }
                        children.append((key, .number(number, here)))
                    case .object(let object):
                        children.append((key, tree(object, top: false)))
                    }
                }
                return .object(children, here)
            }
            let expectedMetrics = tree(metrics, top: true)
            let gradient = observation.backwardRequests.first.map { request in
                request.data.map { datum -> ExpectedArray in
                    let weights = datum.lossFnInputs["weights"]
                    if weights?.data.contains(where: \.isNaN) == true { sawNaN = true }
                    return ExpectedArray(values: weights?.data.map { -$0 + 0 } ?? [], shape: weights?.resolvedShape ?? [0], location: here)
                }
            }
            let success = SuccessExpectation(metrics: expectedMetrics, absent: [], gradient: gradient, requests: requests)
            let base = Tolerance(equalNaN: sawNaN)
            return (.success(success), ToleranceSettings(base: base, fields: sensitiveFields(success, base: base)))
        }
    }

    /// An `atol` well below each expected non-zero value the default tolerance cannot tell from 0
    /// (a contribution of weight 1e-12, say), so every check can fail (`SensitivityLint`).
    static func sensitiveFields(_ expected: SuccessExpectation, base: Tolerance) -> [FieldPath: TolerancePatch] {
        var fields: [FieldPath: TolerancePatch] = [:]
        func walk(_ metric: ExpectedMetric, _ path: FieldPath) {
            switch metric {
            case .number(let value, _):
                if SensitivityLint.cannotTellFromZero(value, base) { fields[path] = TolerancePatch(absolute: abs(value) / 1000) }
            case .object(let children, _):
                for child in children { walk(child.value, path.appending(child.key)) }
            }
        }
        if let metrics = expected.metrics { walk(metrics, FieldPath(["metrics"])) }
        let blind = (expected.gradient ?? []).flatMap(\.values).filter { SensitivityLint.cannotTellFromZero($0, base) }
        if let smallest = blind.map(abs).min() { fields[FieldPath(["gradient"])] = TolerancePatch(absolute: smallest / 1000) }
        return fields
    }

    /// What the message must name, as the shipped cases pin it: the entry's index for
    /// `invalid_regularizer`, the datum's for `missing_target_tokens`, both parameters for
    /// `missing_loss`, and the original message of a fn that raised.
    static func messagePattern(for error: ObservedError, input: CaseInput) -> String? {
        switch error.kind {
        case "missing_loss":
            return "(?is)(?=.*loss_fn)(?=.*regularizers)"
        case "invalid_regularizer":
            guard let match = error.message.firstMatch(of: /regularizers\[(\d+)\]/) else { return nil }
            return "(?s)\\b\(match.1)\\b"
        case "missing_target_tokens":
            guard let index = input.data.firstIndex(where: { $0.datum.targetTokens == nil }) else { return nil }
            return "(?s)\\b\(index)\\b"
        case "loss_fn_failed":
            let fn = error.label == "loss_fn" ? input.call.lossFn : input.call.regularizers.first { $0.name == error.label }?.fn
            guard let fn, fn.name == "raises" else { return nil }
            return NSRegularExpression.escapedPattern(for: fn.parameters["message"]?.stringValue ?? "regularizer failed")
        default:
            return nil
        }
    }

    /// Metrics the backend's own pass reports; not pinned (semantics section 7).
    static let backendMetricKeys: Set<String> = ["loss:sum"]
}
