import OrderedCollections
import TrainingClient

/// A machine-readable report: the engine, the totals and every case with its details.
public struct JSONReporter: Reporter {
    public init() {}

    public func render(_ report: RunReport) -> String {
        var totals: ScalarKeyedDictionary<JSONValue> = [:]
        for status in CaseResult.Status.allCases { totals[status.rawValue] = .integer(report.count(status)) }
        let cases: [JSONValue] = report.results.map { result in
            var entry: ScalarKeyedDictionary<JSONValue> = [
                "id": .string(result.caseID),
                "suite": .string(result.suite),
                "summary": .string(result.summary),
                "status": .string(result.status.rawValue),
                "file": .string(result.location.file),
                "line": .integer(result.location.line),
                "duration_seconds": .number(result.duration.seconds),
            ]
            if let reason = result.expectedFailure { entry["expected_failure"] = .string(reason) }
            switch result.outcome {
            case .passed: break
            case .failed(let mismatches):
                entry["mismatches"] = .array(mismatches.map { ["path": .string($0.path), "message": .string($0.message)] })
            case .errored(let message): entry["message"] = .string(message)
            case .skipped(let reason): entry["reason"] = .string(reason)
            }
            return .object(entry)
        }
        let document: JSONValue = [
            "engine": [
                "name": .string(report.engine.name), "language": .string(report.engine.language),
                "version": .string(report.engine.version),
                "capabilities": .array(report.engine.capabilities.sorted().map(JSONValue.string)),
            ],
            "totals": .object(totals),
            "duration_seconds": .number(report.duration.seconds),
            "cases": .array(cases),
        ]
        return document.serialized() + "\n"
    }
}
