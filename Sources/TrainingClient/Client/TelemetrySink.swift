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
    private let storage: Mutex<[TelemetryEvent]>

    public init() {
        // Room for a small call's events (a start and a stop per fn and for the call), so
        // that recording them does not grow the list step by step.
        var events: [TelemetryEvent] = []
        events.reserveCapacity(8)
        storage = Mutex(events)
    }

    public func record(_ event: TelemetryEvent) {
        storage.withLock { $0.append(event) }
    }

    public var events: [TelemetryEvent] { storage.withLock { $0 } }
}
