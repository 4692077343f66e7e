#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OrderedCollections

/// Case ids an implementation is known to fail, with why: a YAML mapping `id: reason`.
///
/// Such a case failing does not fail the run; passing does, so the list shrinks as the
/// implementation improves (pytest's strict xfail).
package struct ExpectedFailures: Sendable, Equatable {
    package var reasons: OrderedDictionary<String, String>

    package init(_ reasons: OrderedDictionary<String, String> = [:]) {
        self.reasons = reasons
    }

    /// Reads the file; a missing file is an empty list, so `--update-expected-failures` can create it.
    /// - Throws: `SpecDiagnostic` with file:line:column for anything but `id: reason` pairs.
    package static func load(from path: String) throws(SpecDiagnostic) -> ExpectedFailures {
        guard FileManager.default.fileExists(atPath: path) else { return ExpectedFailures() }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SpecDiagnostic(.start(of: path), "cannot read the expected-failures file")
        }
        if text.trimmingWhitespaceAndNewlines().isEmpty { return ExpectedFailures() }
        let root = try YAMLValue.parse(text, file: path)
        let reader = try MappingReader(root, what: "the expected-failures file", allowed: nil)
        var reasons: OrderedDictionary<String, String> = [:]
        for pair in reader.pairs {
            reasons[pair.key] = try pair.value.string("the reason for \(pair.key)")
        }
        return ExpectedFailures(reasons)
    }

    /// Marks the results of listed cases.
    package func apply(to results: [CaseResult]) -> [CaseResult] {
        results.map { result in
            var marked = result
            marked.expectedFailure = reasons[result.caseID]
            return marked
        }
    }

    /// Listed ids that are not in `results`, e.g. after a case was renamed or deselected.
    package func unknownIDs(in results: [CaseResult]) -> [String] {
        let ids = Set(results.map(\.caseID))
        return reasons.keys.filter { !ids.contains($0) }
    }

    /// The list that matches `results`: every failed or errored case, keeping known reasons.
    package func updated(with results: [CaseResult]) -> ExpectedFailures {
        var reasons: OrderedDictionary<String, String> = [:]
        for result in results {
            switch result.outcome {
            case .failed, .errored:
                reasons[result.caseID] = self.reasons[result.caseID]
                    ?? "fails: " + (result.detailLines.first ?? "see the report").prefix(160)
            case .passed, .skipped:
                break
            }
        }
        return ExpectedFailures(reasons)
    }

    /// The file's text: a comment, then `id: "reason"` lines in suite order.
    package func rendered() -> String {
        var lines = ["# Cases this implementation is known to fail, with why: a run reports them as expected failures."]
        for (id, reason) in reasons {
            let escaped = reason.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
            lines.append("\(id): \"\(escaped)\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
