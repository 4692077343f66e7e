/// One training example: the model's input and the named tensors the loss reads.
public struct Datum: Sendable, Equatable, Codable {
    public var modelInput: ModelInput
    public var lossFnInputs: [String: TensorData]

    public init(modelInput: ModelInput, lossFnInputs: [String: TensorData]) {
        self.modelInput = modelInput
        self.lossFnInputs = lossFnInputs
    }

    /// The tokens the model is scored on; their shape is the shape of this datum's logprobs.
    public var targetTokens: TensorData? { lossFnInput("target_tokens") }

    /// The loss input named `key`, as `lossFnInputs[key]` finds it, without hashing `key`
    /// (see `tensor(named:)`).
    package func lossFnInput(_ key: String) -> TensorData? {
        lossFnInputs.tensor(named: key)
    }

    private enum CodingKeys: String, CodingKey {
        case modelInput = "model_input"
        case lossFnInputs = "loss_fn_inputs"
    }
}
