#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TinkerWire

/// Judges an observation against its case: what the case states, then the invariants every
/// result must keep.
package struct CaseChecker: Sendable {
    package let specCase: SpecCase

    package init(_ specCase: SpecCase) {
        self.specCase = specCase
    }

    static let validationKinds: Set<String> = ["missing_loss", "invalid_regularizer", "empty_data", "missing_target_tokens"]

    package func check(_ observation: Observation) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        switch (specCase.expectation, observation.outcome) {
        case (.failure(let expected), .failure(let actual)):
            mismatches += checkError(actual, against: expected)
            mismatches += checkNoBackward(observation, kind: actual.kind ?? expected.kind)
        case (.failure(let expected), .success(let metrics)):
            let total = metrics.number(at: ["loss_total"]).map { " (loss_total \($0))" } ?? ""
            mismatches.append(Mismatch("error", "expected \(describe(expected)), but the call succeeded\(total)"))
        case (.success, .failure(let actual)):
            let kind = actual.kind ?? actual.type ?? "an unclassified error"
            mismatches.append(Mismatch("error", "expected success, but the call failed with \(kind): \(actual.message)"))
            mismatches += checkNoBackward(observation, kind: actual.kind)
        case (.success(let expected), .success(let metrics)):
            mismatches += checkMetrics(metrics, against: expected)
            mismatches += checkGradient(observation, against: expected)
            mismatches += InvariantChecker(specCase: specCase).check(metrics: metrics, observation: observation)
        }
        mismatches += TelemetryChecker(specCase: specCase).check(observation)
        mismatches += checkToleranceFieldsApply()
        mismatches += Float32WireCheck(caseData: specCase.input.data).check(observation)
        #if REGSPEC_FAULTS
        let ignoresCounts = HarnessFault.isActive(.requestCountsIgnored)
        #else
        let ignoresCounts = false
        #endif
        if let counts = requestCounts, !ignoresCounts {
            if let forward = counts.forward, forward != observation.forwardRequests.count {
                mismatches.append(Mismatch("requests.forward", "expected \(forward) forward requests, the backend received \(observation.forwardRequests.count)"))
            }
            if let backward = counts.backward, backward != observation.backwardRequests.count {
                mismatches.append(Mismatch("requests.backward", "expected \(backward) backward requests, the backend received \(observation.backwardRequests.count)"))
            }
        }
        return Mismatch.oneLinePerPath(mismatches)
    }

    private var requestCounts: RequestCounts? {
        switch specCase.expectation {
        case .success(let expected): return expected.requests
        case .failure(let expected): return expected.requests
        }
    }

    private func describe(_ expected: ErrorExpectation) -> String {
        expected.kind.map { "an error of kind \($0)" } ?? "an error matching /\(expected.messagePattern ?? "")/"
    }

    private func checkError(_ actual: ObservedError, against expected: ErrorExpectation) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        #if REGSPEC_FAULTS
        let ignoresKind = HarnessFault.isActive(.errorKindIgnored)
        #else
        let ignoresKind = false
        #endif
        if let kind = expected.kind, actual.kind != kind, !ignoresKind {
            let got = actual.kind ?? "an unclassified error (\(actual.type ?? "unknown type"))"
            mismatches.append(Mismatch("error.kind", "expected \(kind), got \(got): \(actual.message)"))
        }
        if let label = expected.label, actual.label != label {
            mismatches.append(Mismatch("error.label", "expected the fn '\(label)' to be named, got \(actual.label.map { "'\($0)'" } ?? "none")"))
        }
        if let pattern = expected.messagePattern {
            switch MessagePattern(pattern).match(actual.message) {
            case .matched:
                break
            case .invalidPattern:
                // `validate` rejects such a pattern; a case built another way fails closed.
                mismatches.append(Mismatch("error.message", "/\(pattern)/ is not a valid regular expression, so the message cannot be checked"))
            case .notMatched:
                mismatches.append(Mismatch("error.message", "/\(pattern)/ does not match \"\(actual.message)\""))
            case .abandoned:
                mismatches.append(Mismatch("error.message", "/\(pattern)/ did not finish matching the message within \(MessagePattern.defaultBudget) (\(actual.message.utf16.count) UTF-16 units, the first \(MessagePattern.maximumMessageLength) matched); counted as not matching"))
            }
        }
        return mismatches
    }

    /// After an error no backward request may be sent; after a validation error, no request at all.
    private func checkNoBackward(_ observation: Observation, kind: String?) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        if !observation.backwardRequests.isEmpty {
            mismatches.append(Mismatch("requests.backward", "the call failed but \(observation.backwardRequests.count) backward request(s) were sent; an error must leave the backend untouched"))
        }
        if let kind, Self.validationKinds.contains(kind), !observation.forwardRequests.isEmpty {
            mismatches.append(Mismatch("requests.forward", "\(kind) is a validation error, yet \(observation.forwardRequests.count) forward request(s) were sent; validate before any request"))
        }
        return mismatches
    }

    private func checkMetrics(_ metrics: Metrics, against expected: SuccessExpectation) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        if let tree = expected.metrics {
            var path = FieldPath(["metrics"])
            compare(.object(metrics), with: tree, path: &path, into: &mismatches)
        }
        for absence in expected.absent {
            #if REGSPEC_FAULTS
            if HarnessFault.isActive(.absentChecksSkipped) { break }
            #endif
            mismatches += checkAbsent(absence.path, in: metrics)
        }
        return mismatches
    }

    /// A path is absent when its parent exists and lacks the last key. A parent that is
    /// missing or not an object leaves the question open, and an open check fails.
    private func checkAbsent(_ path: FieldPath, in metrics: Metrics) -> [Mismatch] {
        var name: String { "metrics." + path.description }  // named only for a mismatch
        if let parent = path.parent {
            switch metrics.value(at: parent.keys) {
            case .object?: break
            case .number?:
                return [Mismatch(name, "cannot check that it is absent: metrics.\(parent) is a number, not an object")]
            case nil:
                return [Mismatch(name, "cannot check that it is absent: metrics.\(parent) is missing")]
            }
        }
        return metrics.value(at: path.keys) == nil ? [] : [Mismatch(name, "must be absent, but is present")]
    }

    /// `path` grows by a key on the way down and shrinks on the way back: one array for the walk.
    private func compare(_ actual: MetricValue?, with expected: ExpectedMetric, path: inout FieldPath, into mismatches: inout [Mismatch]) {
        switch (expected, actual) {
        case (_, nil):
            mismatches.append(Mismatch(path.description, "missing"))
        case (.number(let number, _), .number(let value)?):
            let tolerance = specCase.tolerance.tolerance(for: path)
            if !tolerance.accepts(value, expected: number) {
                mismatches.append(Mismatch(
                    path.description, tolerance.rejection(of: value, expected: number),
                    expected: number, actual: value, allowed: tolerance.allowance(for: number)))
            }
        case (.object(let children, _), .object(let object)?):
            if path.isCustomMap {
                // A custom map is compared whole: exactly the metrics its fn reported (semantics 7).
                let keys = KeySetComparison(expected: children.map(\.key), actual: object.keys)
                if !keys.unexpected.isEmpty {
                    mismatches.append(Mismatch(path.description, "must hold exactly the metrics the case lists: \(keys.difference)"))
                }
            }
            for child in children {
                let found = object[child.key]  // looked up once: it is compared below
                if found == nil, let alike = object.keys.first(where: { $0 == child.key }) {
                    // Swift's == is canonical equivalence: a different spelling of the same-looking key.
                    mismatches.append(Mismatch(
                        path.appending(child.key).description,
                        "missing; the engine reported \(ScalarKey.quoted(alike, among: [child.key])), a different spelling (Unicode scalars differ)"))
                    continue
                }
                path.keys.append(child.key)
                compare(found, with: child.value, path: &path, into: &mismatches)
                path.keys.removeLast()
            }
        case (.number, .object?):
            mismatches.append(Mismatch(path.description, "expected a number, found an object"))
        case (.object, .number(let value)?):
            mismatches.append(Mismatch(path.description, "expected an object, found the number \(value)"))
        }
    }

    /// A tolerance the case sets for a field it does not compare would leave the default in
    /// force unnoticed; `validate` rejects it, and a case built another way fails here.
    private func checkToleranceFieldsApply() -> [Mismatch] {
        guard !specCase.tolerance.ownFields.isEmpty else { return [] }
        let compared: [FieldPath]
        switch specCase.expectation {
        case .success(let expected): compared = expected.comparedFields.map(\.path)
        case .failure: compared = []
        }
        return specCase.tolerance.ownFields(applyingToNoneOf: compared).map { field in
            Mismatch("tolerance.fields." + field.description, "applies to nothing the case compares, so the check it loosens or tightens cannot happen")
        }
    }

    private func checkGradient(_ observation: Observation, against expected: SuccessExpectation) -> [Mismatch] {
        guard let gradient = expected.gradient else { return [] }
        guard observation.backwardRequests.count == 1, let request = observation.backwardRequests.first else {
            return [Mismatch("gradient", "cannot read the gradient: expected one backward request, the backend received \(observation.backwardRequests.count)")]
        }
        guard request.data.count == gradient.count else {
            return [Mismatch("gradient", "the backward request has \(request.data.count) datums, the case \(gradient.count)")]
        }
        let tolerance = specCase.tolerance.tolerance(for: FieldPath(["gradient"]))
        var mismatches: [Mismatch] = []
        for (index, row) in gradient.enumerated() {
            guard let weights = request.data[index].lossFnInput("weights") else {
                mismatches.append(Mismatch("gradient[\(index)]", "the backward request's datum \(index) has no weights"))
                continue
            }
            // The weights travel as float32(-g): the yardstick is the expected gradient so rounded.
            let sent = weights.data.map { -$0 }
            let expected = row.values.map { Double(Float($0)) }
            let comparison = ArrayComparison(actual: sent, expected: expected, tolerance: tolerance)
            if let summary = comparison.mismatchSummary() {
                let worst = comparison.worstElement()
                mismatches.append(Mismatch(
                    "gradient[\(index)]", summary + " (actual = -weights sent; expected = the case's gradient rounded to float32)",
                    expected: worst?.expected, actual: worst?.actual, allowed: worst?.allowed))
            }
        }
        return mismatches
    }
}
