/// A backend whose forward pass returns given logprobs, and which records every request.
///
/// This is the backend of every conformance case: the case states the logprobs, and the
/// harness reads back the weights the client sent. Like the service, it serves float32:
/// each logprob is rounded to float32 before it is served.
public actor FixedLogprobsBackend: TrainingBackend {
    /// The logprobs served for the datum at each position of a batch, flat, rounded to float32.
    public let logprobs: [[Double]]
    public private(set) var requests: [ForwardBackwardRequest] = []
    public private(set) var optimStepCount = 0

    public init(logprobs: [[Double]]) {
        self.logprobs = logprobs.map { $0.map(Float32Rounding.rounded) }
    }

    public var forwardRequests: [ForwardBackwardRequest] { requests.filter { $0.kind == .forward } }
    public var forwardBackwardRequests: [ForwardBackwardRequest] { requests.filter { $0.kind == .forwardBackward } }

    public func forward(_ data: [Datum], lossFn: BackendLossFunction) throws -> ForwardBackwardOutput {
        try check(lossFn)
        requests.append(ForwardBackwardRequest(kind: .forward, lossFn: lossFn, data: data))
        let outputs = try data.indices.map { index in
            let shape = try CrossEntropy.targets(of: data[index], index: index).resolvedShape
            return CrossEntropy.output(logprobs: try served(for: index, shape: shape), shape: shape)
        }
        return ForwardBackwardOutput(lossFnOutputType: "TensorData", lossFnOutputs: outputs, metrics: [:])
    }

    public func forwardBackward(_ data: [Datum], lossFn: BackendLossFunction) throws -> ForwardBackwardOutput {
        try check(lossFn)
        requests.append(ForwardBackwardRequest(kind: .forwardBackward, lossFn: lossFn, data: data))
        var total = 0.0
        var outputs: [[String: TensorData]] = []
        for (index, datum) in data.enumerated() {
            let shape = try CrossEntropy.targets(of: datum, index: index).resolvedShape
            let values = try served(for: index, shape: shape)
            let weights = try CrossEntropy.weights(of: datum, index: index, count: values.count)
            total += CrossEntropy.loss(logprobs: values, weights: weights)
            outputs.append(CrossEntropy.output(logprobs: values, shape: shape))
        }
        return ForwardBackwardOutput(
            lossFnOutputType: "TensorData", lossFnOutputs: outputs, metrics: ["loss:sum": .number(total)])
    }

    public func optimStep(_ parameters: AdamParameters) {
        optimStepCount += 1
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
