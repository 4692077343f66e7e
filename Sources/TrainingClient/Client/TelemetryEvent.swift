import TinkerWire

/// Something that happened during a call, for logs, metrics or traces.
public enum TelemetryEvent: Sendable, Equatable {
    case callStarted(mode: CallMode, fnCount: Int)
    case fnStarted(label: String)
    /// `contribution` is `weight * value` for a regularizer and nil for the base loss.
    case fnStopped(label: String, duration: Duration, value: Double, contribution: Double?)
    case fnFailed(label: String, error: CustomLossError)
    case callStopped(duration: Duration, lossTotal: Double)
    case callFailed(duration: Duration, message: String)
}

/// Whether a call uses structured regularizers or the legacy single loss function.
public enum CallMode: String, Sendable, Codable {
    case structured
    case legacy
}
