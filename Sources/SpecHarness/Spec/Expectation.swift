/// What a case expects of the call.
public enum Expectation: Sendable {
    case success(SuccessExpectation)
    case failure(ErrorExpectation)
}

public struct SuccessExpectation: Sendable {
    public var metrics: ExpectedMetric?
    /// Metric paths that must not exist.
    public var absent: [[String]]
    /// Per datum, flat in row-major order.
    public var gradient: [ExpectedArray]?
    public var requests: RequestCounts?
}

public struct ErrorExpectation: Sendable {
    public var kind: String?
    /// A regular expression searched in the message.
    public var messagePattern: String?
    public var label: String?
    /// Request counts, e.g. one forward and no backward for an error after the forward.
    public var requests: RequestCounts?
    public var location: SourceLocation
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
