/// One training example: the model's input and the named tensors the loss reads.
public struct Datum: Sendable, Equatable, Codable {
    public var modelInput: ModelInput
    public var lossFnInputs: [String: TensorData]

    public init(modelInput: ModelInput, lossFnInputs: [String: TensorData]) {
        self.modelInput = modelInput
        self.lossFnInputs = lossFnInputs
    }

    /// The tokens the model is scored on; their shape is the shape of this datum's logprobs.
    public var targetTokens: TensorData? { lossFnInputs["target_tokens"] }

    private enum CodingKeys: String, CodingKey {
        case modelInput = "model_input"
        case lossFnInputs = "loss_fn_inputs"
    }
}
