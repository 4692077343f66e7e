/// What a case expects of the call.
public enum Expectation: Sendable {
    case success(SuccessExpectation)
    case failure(ErrorExpectation)
}

public struct SuccessExpectation: Sendable {
    public var metrics: ExpectedMetric?
    /// Metric paths (below `metrics`) that must not exist.
    public var absent: [ExpectedAbsence]
    /// Per datum, flat in row-major order.
    public var gradient: [ExpectedArray]?
    public var requests: RequestCounts?
    /// The telemetry events the engine must report, in order (capability `telemetry`).
    public var telemetry: [ExpectedTelemetryEvent]?
}

public struct ErrorExpectation: Sendable {
    public var kind: String?
    /// A regular expression searched in the message.
    public var messagePattern: String?
    public var label: String?
    /// Request counts, e.g. one forward and no backward for an error after the forward.
    public var requests: RequestCounts?
    public var location: SourceLocation
    /// The telemetry events the engine must report, in order (capability `telemetry`).
    public var telemetry: [ExpectedTelemetryEvent]?
}

/// Expected metrics: numbers at the leaves of nested objects, each with its place in the file.
public enum ExpectedMetric: Sendable {
    case number(Double, SourceLocation)
    case object([(key: String, value: ExpectedMetric)], SourceLocation)
}

public struct ExpectedArray: Sendable {
    public var values: [Double]
    public var shape: [Int]
    public var location: SourceLocation
}

public struct RequestCounts: Sendable, Equatable {
    public var forward: Int?
    public var backward: Int?
}

/// A metric that must not exist, with where the case says so.
public struct ExpectedAbsence: Sendable {
    /// Keys below `metrics`, e.g. `[regularizers, l2, grad_norm]`.
    public var path: FieldPath
    public var location: SourceLocation
}

extension SuccessExpectation {
    /// Every field the case compares with a tolerance: each number under `metrics` (with its
    /// place in the file), and `gradient` when one is given.
    public var comparedFields: [(path: FieldPath, expected: Double, location: SourceLocation)] {
        var fields: [(path: FieldPath, expected: Double, location: SourceLocation)] = []
        func walk(_ metric: ExpectedMetric, _ path: FieldPath) {
            switch metric {
            case .number(let value, let location): fields.append((path, value, location))
            case .object(let children, _):
                for child in children { walk(child.value, path.appending(child.key)) }
            }
        }
        if let metrics { walk(metrics, FieldPath(["metrics"])) }
        for row in gradient ?? [] {
            for value in row.values { fields.append((FieldPath(["gradient"]), value, row.location)) }
        }
        return fields
    }
}
