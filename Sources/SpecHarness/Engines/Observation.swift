import TrainingClient

/// What an engine saw when it ran a case: the outcome and every request its backend received.
public struct Observation: Sendable {
    public enum Outcome: Sendable {
        case success(metrics: Metrics)
        case failure(ObservedError)
    }

    public var outcome: Outcome
    public var forwardRequests: [ForwardBackwardRequest]
    public var backwardRequests: [ForwardBackwardRequest]
    /// The call's telemetry events in the order they were recorded, when the engine reports them.
    public var telemetry: [TelemetryRecord]?

    public init(
        outcome: Outcome, forwardRequests: [ForwardBackwardRequest], backwardRequests: [ForwardBackwardRequest],
        telemetry: [TelemetryRecord]? = nil
    ) {
        self.outcome = outcome
        self.forwardRequests = forwardRequests
        self.backwardRequests = backwardRequests
        self.telemetry = telemetry
    }
}

/// An error as the engine reported it.
public struct ObservedError: Sendable, Equatable, Codable {
    /// The error kind when the engine could classify it.
    public var kind: String?
    public var label: String?
    public var message: String
    /// The engine's own type name for the error, e.g. `ValueError`.
    public var type: String?

    public init(kind: String?, label: String?, message: String, type: String?) {
        self.kind = kind
        self.label = label
        self.message = message
        self.type = type
    }
}
