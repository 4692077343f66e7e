import TinkerWire

/// The arithmetic every `cross_entropy` backend shares.
enum CrossEntropy {
    /// `sum(-weights * logprobs)` for one datum; absent weights count as ones, as in Tinker.
    ///
    /// Summed in four lanes, element `i` into lane `i % 4`, combined as `(l0 + l1) + (l2 + l3)`:
    /// one running sum is a chain of dependent subtractions that bounds the whole pass.
    static func loss(logprobs: [Double], weights: TensorData?) -> Double {
        guard let weights else { return -logprobs.reduce(0, +) }
        return logprobs.withUnsafeBufferPointer { lp in
            weights.data.withUnsafeBufferPointer { w in
                let count = min(lp.count, w.count)
                var l0 = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0
                var i = 0
                while count - i >= 4 {
                    l0 -= w[i] * lp[i]
                    l1 -= w[i + 1] * lp[i + 1]
                    l2 -= w[i + 2] * lp[i + 2]
                    l3 -= w[i + 3] * lp[i + 3]
                    i += 4
                }
                if i < count { l0 -= w[i] * lp[i] }
                if i + 1 < count { l1 -= w[i + 1] * lp[i + 1] }
                if i + 2 < count { l2 -= w[i + 2] * lp[i + 2] }
                return (l0 + l1) + (l2 + l3)
            }
        }
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

    /// `targets.resolvedShape`, with the default one-dimensional shape taken from `previous`
    /// when it is the same: a batch's datums usually share their length, and a shape array
    /// made once serves them all, instead of one array per datum and pass.
    static func resolvedShape(of targets: TensorData, sharing previous: inout [Int]?) -> [Int] {
        if let shape = targets.shape { return shape }
        if let previous, previous.count == 1, previous[0] == targets.data.count { return previous }
        let shape = [targets.data.count]
        previous = shape
        return shape
    }

    static func output(logprobs: [Double], shape: [Int]) -> [String: TensorData] {
        ["logprobs": TensorData(floats: logprobs, shape: shape)]
    }
}
