import TrainingClient

/// One telemetry event an engine reported, in the terms of semantics section 12: per call
/// and per fn, start, stop (value, contribution) and error.
public struct TelemetryRecord: Sendable, Equatable {
    public enum Event: String, Sendable, Codable {
        case callStarted = "call_started"
        case fnStarted = "fn_started"
        case fnStopped = "fn_stopped"
        case fnFailed = "fn_failed"
        case callStopped = "call_stopped"
        case callFailed = "call_failed"
    }

    public var event: Event
    /// `loss_fn` or the regularizer's name, for fn events.
    public var label: String?
    /// `structured` or `legacy`, for `call_started`.
    public var mode: String?
    public var fnCount: Int?
    public var value: Double?
    public var contribution: Double?
    public var lossTotal: Double?
    /// The error kind, for `fn_failed`.
    public var errorKind: String?

    public init(
        event: Event, label: String? = nil, mode: String? = nil, fnCount: Int? = nil, value: Double? = nil,
        contribution: Double? = nil, lossTotal: Double? = nil, errorKind: String? = nil
    ) {
        self.event = event
        self.label = label
        self.mode = mode
        self.fnCount = fnCount
        self.value = value
        self.contribution = contribution
        self.lossTotal = lossTotal
        self.errorKind = errorKind
    }

    /// The record of an event the reference client emitted; durations are not judged.
    public init(_ event: TelemetryEvent) {
        switch event {
        case .callStarted(let mode, let fnCount):
            self.init(event: .callStarted, mode: mode.rawValue, fnCount: fnCount)
        case .fnStarted(let label):
            self.init(event: .fnStarted, label: label)
        case .fnStopped(let label, _, let value, let contribution):
            self.init(event: .fnStopped, label: label, value: value, contribution: contribution)
        case .fnFailed(let label, let error):
            self.init(event: .fnFailed, label: label, errorKind: error.kind.rawValue)
        case .callStopped(_, let lossTotal):
            self.init(event: .callStopped, lossTotal: lossTotal)
        case .callFailed:
            self.init(event: .callFailed)
        }
    }
}
