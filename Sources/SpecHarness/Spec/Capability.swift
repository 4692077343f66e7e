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
    /// Computes in float64: only for a case whose tolerance a float32 computation cannot meet.
    public static let float64 = "float64"

    public static let all: [String] = [structured, legacy, async, errorKinds, gradNorms, timeouts, maxConcurrency, future, float64]
}
