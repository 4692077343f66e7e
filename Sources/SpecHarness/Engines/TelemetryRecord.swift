/// One telemetry event an engine reported, in the terms of semantics section 12: per call
/// and per fn, start, stop (value, contribution) and error. Over the protocol these are the
/// observation's `telemetry` items (capability `telemetry`, docs/protocol.md section 6.1).
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
    /// `loss_fn` or the regularizer's name, for fn events; the fn at fault for `call_failed`.
    public var label: String?
    /// `structured` or `legacy`, for `call_started`.
    public var mode: String?
    public var fnCount: Int?
    public var value: Double?
    public var contribution: Double?
    public var lossTotal: Double?
    /// The error kind, for `fn_failed` and `call_failed`.
    public var errorKind: String?
    /// Seconds since the fn or call started, for `fn_stopped`, `call_stopped` and `call_failed`.
    public var duration: Double?

    public init(
        event: Event, label: String? = nil, mode: String? = nil, fnCount: Int? = nil, value: Double? = nil,
        contribution: Double? = nil, lossTotal: Double? = nil, errorKind: String? = nil, duration: Double? = nil
    ) {
        self.event = event
        self.label = label
        self.mode = mode
        self.fnCount = fnCount
        self.value = value
        self.contribution = contribution
        self.lossTotal = lossTotal
        self.errorKind = errorKind
        self.duration = duration
    }
}
