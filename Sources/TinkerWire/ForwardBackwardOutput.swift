/// What a forward or forward-backward pass returns, shaped like Tinker's `ForwardBackwardOutput`.
public struct ForwardBackwardOutput: Sendable, Equatable, Codable {
    public var lossFnOutputType: String
    /// One dictionary per datum, e.g. `["logprobs": ...]`.
    public var lossFnOutputs: [[String: TensorData]]
    public var metrics: Metrics

    public init(lossFnOutputType: String, lossFnOutputs: [[String: TensorData]], metrics: Metrics) {
        self.lossFnOutputType = lossFnOutputType
        self.lossFnOutputs = lossFnOutputs
        self.metrics = metrics
    }

    private enum CodingKeys: String, CodingKey {
        case lossFnOutputType = "loss_fn_output_type"
        case lossFnOutputs = "loss_fn_outputs"
        case metrics
    }
}
