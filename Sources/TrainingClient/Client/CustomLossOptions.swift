import TinkerWire

/// Options beyond the checklist, as the Elixir port offers them. Defaults change nothing.
public struct CustomLossOptions: Sendable {
    /// Adds `grad_norm` (and `grad_norm_weighted`) per fn and `total_grad_norm` to the metrics.
    public var trackGradNorms: Bool
    /// How long an async fn may run before it is cancelled and the call fails with `timeout`.
    public var timeout: Duration?
    /// How many fns may be evaluated at once; 1 is sequential. Results never depend on it.
    public var maxConcurrency: Int?
    /// Where per-call and per-fn events go.
    public var telemetry: any TelemetrySink

    public init(
        trackGradNorms: Bool = false,
        timeout: Duration? = nil,
        maxConcurrency: Int? = nil,
        telemetry: any TelemetrySink = DiscardingTelemetrySink()
    ) {
        self.trackGradNorms = trackGradNorms
        self.timeout = timeout
        self.maxConcurrency = maxConcurrency
        self.telemetry = telemetry
    }
}
