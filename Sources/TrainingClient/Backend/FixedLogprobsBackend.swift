import Synchronization
import TinkerWire

/// A backend whose forward pass returns given logprobs, and which records every request.
///
/// This is the backend of every conformance case: the case states the logprobs, and the
/// harness reads back the weights the client sent. Like the service, it serves float32:
/// each logprob is rounded to float32 before it is served.
///
/// A class whose record sits behind a lock rather than an actor: its work is synchronous,
/// and each call into an actor costs two executor hops (there and back), on every case.
public final class FixedLogprobsBackend: TrainingBackend {
    /// The logprobs served for the datum at each position of a batch, flat, rounded to float32.
    public let logprobs: [[Double]]
    private let record: Mutex<(requests: [ForwardBackwardRequest], optimSteps: Int)>

    public init(logprobs: [[Double]]) {
        // Rows already float32, as a resolved case's are, are kept rather than copied.
        self.logprobs = logprobs.map { row in
            row.allSatisfy { Float32Rounding.rounded($0) == $0 } ? row : row.map(Float32Rounding.rounded)
        }
        // Room for a call's forward and backward requests, the usual record.
        var requests: [ForwardBackwardRequest] = []
        requests.reserveCapacity(2)
        record = Mutex((requests, 0))
    }

    /// Every request received, in order. Read with `await`, as when this was an actor.
    public var requests: [ForwardBackwardRequest] {
        get async { record.withLock { $0.requests } }
    }

    public var optimStepCount: Int {
        get async { record.withLock { $0.optimSteps } }
    }

    public var forwardRequests: [ForwardBackwardRequest] {
        get async { record.withLock { $0.requests.filter { $0.kind == .forward } } }
    }

    public var forwardBackwardRequests: [ForwardBackwardRequest] {
        get async { record.withLock { $0.requests.filter { $0.kind == .forwardBackward } } }
    }

    public func forward(_ data: [Datum], lossFn: BackendLossFunction) async throws -> ForwardBackwardOutput {
        try check(lossFn)
        record.withLock { $0.requests.append(ForwardBackwardRequest(kind: .forward, lossFn: lossFn, data: data)) }
        var sharedShape: [Int]?
        let outputs = try data.indices.map { index in
            let shape = CrossEntropy.resolvedShape(of: try CrossEntropy.targets(of: data[index], index: index), sharing: &sharedShape)
            return CrossEntropy.output(logprobs: try served(for: index, shape: shape), shape: shape)
        }
        return ForwardBackwardOutput(lossFnOutputType: "TensorData", lossFnOutputs: outputs, metrics: [:])
    }

    public func forwardBackward(_ data: [Datum], lossFn: BackendLossFunction) async throws -> ForwardBackwardOutput {
        try check(lossFn)
        record.withLock { $0.requests.append(ForwardBackwardRequest(kind: .forwardBackward, lossFn: lossFn, data: data)) }
        var total = 0.0
        var outputs: [[String: TensorData]] = []
        outputs.reserveCapacity(data.count)
        var sharedShape: [Int]?
        for (index, datum) in data.enumerated() {
            let shape = CrossEntropy.resolvedShape(of: try CrossEntropy.targets(of: datum, index: index), sharing: &sharedShape)
            let values = try served(for: index, shape: shape)
            let weights = try CrossEntropy.weights(of: datum, index: index, count: values.count)
            total += CrossEntropy.loss(logprobs: values, weights: weights)
            outputs.append(CrossEntropy.output(logprobs: values, shape: shape))
        }
        return ForwardBackwardOutput(
            lossFnOutputType: "TensorData", lossFnOutputs: outputs, metrics: ["loss:sum": .number(total)])
    }

    public func optimStep(_ parameters: AdamParameters) async {
        record.withLock { $0.optimSteps += 1 }
    }

    private func check(_ lossFn: BackendLossFunction) throws {
        guard lossFn == .crossEntropy else { throw BackendError.unsupportedLossFunction(lossFn) }
    }

    private func served(for index: Int, shape: [Int]) throws -> [Double] {
        guard index < logprobs.count else {
            throw BackendError.logprobsUnavailable(datum: index, datumCount: logprobs.count)
        }
        let values = logprobs[index]
        guard values.count == TensorData.elementCount(of: shape) else {
            throw BackendError.logprobsShapeMismatch(datum: index, expected: shape, served: values.count)
        }
        return values
    }
}
