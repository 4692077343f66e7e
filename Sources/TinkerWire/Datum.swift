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

    /// The loss input named `key`, as `lossFnInputs[key]` finds it.
    ///
    /// Inputs are read on every step of a call and of its check, and a datum has a handful:
    /// comparing their names costs less than hashing the one looked for.
    package func lossFnInput(_ key: String) -> TensorData? {
        guard lossFnInputs.count <= 4 else { return lossFnInputs[key] }
        for (name, tensor) in lossFnInputs where name == key { return tensor }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case modelInput = "model_input"
        case lossFnInputs = "loss_fn_inputs"
    }
}
