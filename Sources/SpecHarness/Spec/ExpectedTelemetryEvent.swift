/// One event a case expects the engine to report (`expect.telemetry`), with the fields the
/// case states; a field it leaves out is not compared, a `null` one must be null.
public struct ExpectedTelemetryEvent: Sendable {
    /// The expected values; only the `stated` fields mean anything.
    public var record: TelemetryRecord
    /// Field names as written in the case (`label`, `mode`, `fn_count`, `value`,
    /// `contribution`, `loss_total`, `kind`); `duration` cannot be expected.
    public var stated: [String]
    public var location: SourceLocation
}

extension Expectation {
    /// The events the case expects, in order, when it states them.
    public var telemetry: [ExpectedTelemetryEvent]? {
        switch self {
        case .success(let expected): return expected.telemetry
        case .failure(let expected): return expected.telemetry
        }
    }
}
