import TinkerWire

/// The server side of a training client: what `forwardBackwardCustom` talks to.
///
/// Implementations own their state (parameters, accumulated gradients, request logs),
/// so they are usually actors.
public protocol TrainingBackend: Sendable {
    /// A forward-only pass; for `cross_entropy` each output holds the datum's `logprobs`.
    func forward(_ data: [Datum], lossFn: BackendLossFunction) async throws -> ForwardBackwardOutput
    /// A forward and backward pass that accumulates parameter gradients.
    func forwardBackward(_ data: [Datum], lossFn: BackendLossFunction) async throws -> ForwardBackwardOutput
    /// Applies and clears the accumulated gradients.
    func optimStep(_ parameters: AdamParameters) async throws
}

/// Adam's settings, as Tinker's `AdamParams`.
public struct AdamParameters: Sendable, Equatable, Codable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double

    public init(learningRate: Double = 1e-4, beta1: Double = 0.9, beta2: Double = 0.95, eps: Double = 1e-12) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }
}
