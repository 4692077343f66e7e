import Synchronization
import TinkerWire

/// Receives telemetry events. Called from concurrent fns, so it must be thread-safe.
public protocol TelemetrySink: Sendable {
    func record(_ event: TelemetryEvent)
}

/// The default sink: events go nowhere.
public struct DiscardingTelemetrySink: TelemetrySink {
    public init() {}
    public func record(_ event: TelemetryEvent) {}
}

/// Keeps every event in memory, for tests and for callers that read them after the call.
public final class RecordingTelemetrySink: TelemetrySink {
    private let storage = Mutex<[TelemetryEvent]>([])

    public init() {}

    public func record(_ event: TelemetryEvent) {
        storage.withLock { $0.append(event) }
    }

    public var events: [TelemetryEvent] { storage.withLock { $0 } }
}
