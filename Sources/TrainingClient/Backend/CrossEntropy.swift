import TinkerWire

/// The arithmetic every `cross_entropy` backend shares.
enum CrossEntropy {
    /// `sum(-weights * logprobs)` for one datum; absent weights count as ones, as in Tinker.
    static func loss(logprobs: [Double], weights: TensorData?) -> Double {
        guard let weights else { return -logprobs.reduce(0, +) }
        return zip(logprobs, weights.data).reduce(0) { $0 - $1.1 * $1.0 }
    }

    /// The datum's weights, checked against its target shape.
    static func weights(of datum: Datum, index: Int, count: Int) throws -> TensorData? {
        guard let weights = datum.lossFnInput("weights") else { return nil }
        guard weights.data.count == count else {
            throw BackendError.inconsistentTensor(
                datum: index, key: "weights", shape: weights.resolvedShape, count: weights.data.count)
        }
        return weights
    }

    /// The datum's target tokens, which must be present and consistent with their shape.
    static func targets(of datum: Datum, index: Int) throws -> TensorData {
        guard let targets = datum.targetTokens else {
            throw BackendError.missingInput(datum: index, key: "target_tokens")
        }
        guard targets.isConsistent else {
            throw BackendError.inconsistentTensor(
                datum: index, key: "target_tokens", shape: targets.resolvedShape, count: targets.data.count)
        }
        return targets
    }

    static func output(logprobs: [Double], shape: [Int]) -> [String: TensorData] {
        ["logprobs": TensorData(floats: logprobs, shape: shape)]
    }
}
