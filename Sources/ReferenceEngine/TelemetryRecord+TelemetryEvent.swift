import SpecHarness
import TrainingClient

extension TelemetryRecord {
    /// The record of an event the reference client emitted, durations in seconds.
    /// `callError` is what the call threw: the client's `call_failed` event carries only a
    /// message, so the kind and the fn at fault come from the error itself.
    package init(referenceEvent event: TelemetryEvent, callError: ObservedError? = nil) {
        switch event {
        case .callStarted(let mode, let fnCount):
            self.init(event: .callStarted, mode: mode.rawValue, fnCount: fnCount)
        case .fnStarted(let label):
            self.init(event: .fnStarted, label: label)
        case .fnStopped(let label, let duration, let value, let contribution):
            self.init(event: .fnStopped, label: label, value: value, contribution: contribution, duration: Self.seconds(duration))
        case .fnFailed(let label, let error):
            self.init(event: .fnFailed, label: label, errorKind: error.kind.rawValue)
        case .callStopped(let duration, let lossTotal):
            self.init(event: .callStopped, lossTotal: lossTotal, duration: Self.seconds(duration))
        case .callFailed(let duration, _):
            self.init(event: .callFailed, label: callError?.label, errorKind: callError?.kind, duration: Self.seconds(duration))
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
