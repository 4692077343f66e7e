import Autodiff
import TinkerWire

/// A loss or regularizer body: `(data, logprobs) -> (loss, metrics)`, sync or async.
///
/// `logprobs[j]` is datum j's log-probabilities, shaped like its `target_tokens`, a leaf
/// that requires grad.
public struct LossFunction: Sendable {
    public typealias SyncBody = @Sendable ([Datum], [Tensor]) throws -> LossOutput
    public typealias AsyncBody = @Sendable ([Datum], [Tensor]) async throws -> LossOutput

    enum Body: Sendable {
        case sync(SyncBody)
        case async(AsyncBody)
    }

    let body: Body
    /// How long an async body takes at most, when its maker knows (the catalogue's fns: a
    /// sleep of a known length, then microseconds of arithmetic); nil when unknown.
    let knownDuration: Duration?

    init(body: Body, knownDuration: Duration? = nil) {
        self.body = body
        self.knownDuration = knownDuration
    }

    /// A function that is called directly.
    public static func sync(_ body: @escaping SyncBody) -> LossFunction {
        LossFunction(body: .sync(body))
    }

    /// A function that is awaited; async functions of one call may run concurrently.
    public static func async(_ body: @escaping AsyncBody) -> LossFunction {
        LossFunction(body: .async(body))
    }

    /// An async function known to end within `knownDuration`: the evaluator races no timer
    /// against it under a timeout it cannot reach (``FnEvaluator/timerlessMargin``).
    package static func async(knownDuration: Duration, _ body: @escaping AsyncBody) -> LossFunction {
        LossFunction(body: .async(body), knownDuration: knownDuration)
    }

    public var isAsync: Bool {
        if case .async = body { return true }
        return false
    }

    func callAsFunction(_ data: [Datum], _ logprobs: [Tensor]) async throws -> LossOutput {
        switch body {
        case .sync(let body): return try body(data, logprobs)
        case .async(let body): return try await body(data, logprobs)
        }
    }
}
