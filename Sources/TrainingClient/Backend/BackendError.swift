import TinkerWire

/// A request a backend cannot serve. These describe a broken backend or request, not a bad loss.
public enum BackendError: Error, Equatable, CustomStringConvertible {
    case unsupportedLossFunction(BackendLossFunction)
    case missingInput(datum: Int, key: String)
    case inconsistentTensor(datum: Int, key: String, shape: [Int], count: Int)
    case logprobsUnavailable(datum: Int, datumCount: Int)
    case logprobsShapeMismatch(datum: Int, expected: [Int], served: Int)
    case tokenOutOfVocabulary(datum: Int, token: Int, vocabularySize: Int)
    case lengthMismatch(datum: Int, inputLength: Int, targetLength: Int)

    public var description: String {
        switch self {
        case .unsupportedLossFunction(let lossFn):
            return "backend supports only 'cross_entropy', not '\(lossFn)'"
        case .missingInput(let datum, let key):
            return "datum \(datum) has no loss_fn_inputs.\(key); the backend needs it"
        case .inconsistentTensor(let datum, let key, let shape, let count):
            return "datum \(datum): loss_fn_inputs.\(key) has shape \(shape) but \(count) values"
        case .logprobsUnavailable(let datum, let datumCount):
            return "no logprobs to serve for datum \(datum): the backend holds logprobs for \(datumCount) datums"
        case .logprobsShapeMismatch(let datum, let expected, let served):
            return "datum \(datum): target_tokens has shape \(expected) (\(TensorData.elementCount(of: expected).map(String.init) ?? "too many") values) but the backend holds \(served) logprobs for it"
        case .tokenOutOfVocabulary(let datum, let token, let vocabularySize):
            return "datum \(datum): token \(token) is outside the vocabulary 0..<\(vocabularySize)"
        case .lengthMismatch(let datum, let inputLength, let targetLength):
            return "datum \(datum): model_input has \(inputLength) tokens but target_tokens has \(targetLength) positions"
        }
    }
}
