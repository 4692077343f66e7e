import SpecHarness
import TrainingClient

extension TelemetryRecord {
    /// The record of an event the reference client emitted; durations are not judged.
    package init(referenceEvent event: TelemetryEvent) {
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
