/// The capability names engines announce and cases require.
public enum Capability {
    public static let structured = "structured"
    public static let legacy = "legacy"
    public static let async = "async"
    public static let errorKinds = "error_kinds"
    public static let gradNorms = "grad_norms"
    public static let timeouts = "timeouts"
    public static let maxConcurrency = "max_concurrency"
    public static let future = "future"
    /// Reports the call's telemetry events with its reply (protocol 1.1, semantics section 12).
    public static let telemetry = "telemetry"
    /// Computes in float64: only for a case whose tolerance a float32 computation cannot meet.
    public static let float64 = "float64"
    /// Passes `loss_fn_inputs` other than `target_tokens` and `weights` (e.g. `ref_logprobs`) to the fns
    /// (semantics section 2); some SDK releases reject them up front. Needed by a case whose data carry them.
    public static let extraInputs = "extra_inputs"

    public static let all: [String] = [structured, legacy, async, errorKinds, gradNorms, timeouts, maxConcurrency, future, telemetry, float64, extraInputs]

    /// What the checklist and semantics sections 1-11 need: an engine without one of these is
    /// not a conforming implementation, and a run against it fails unless the user narrows it
    /// or allows a partial engine.
    public static let core: [String] = [structured, legacy, async, errorKinds, future]

    /// The options of semantics section 12 (telemetry included), `extra_inputs` (section 2), and `float64` (only cases whose tolerance a float32
    /// implementation cannot meet need it): an engine may lack them, and cases needing them
    /// are skipped without failing the run.
    public static let optional: [String] = all.filter { !core.contains($0) }
}
