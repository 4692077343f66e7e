#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TinkerWire

/// The C library's `pow`, by name no declaration here shadows.
@inline(__always) private func libcPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// A backend over a `BigramModel`: real logprobs, real parameter gradients accumulated
/// across `forwardBackward` calls, and an Adam step that applies and clears them.
public actor BigramModelBackend: TrainingBackend {
    public private(set) var model: BigramModel
    /// `d(sum of cross_entropy losses since the last step)/d(parameters)`.
    public private(set) var accumulatedGradient: [Double]
    public private(set) var forwardBackwardCount = 0
    private var firstMoment: [Double]
    private var secondMoment: [Double]
    private var stepCount = 0

    public init(model: BigramModel) {
        self.model = model
        accumulatedGradient = Array(repeating: 0, count: model.parameters.count)
        firstMoment = accumulatedGradient
        secondMoment = accumulatedGradient
    }

    public func forward(_ data: [Datum], lossFn: BackendLossFunction) throws -> ForwardBackwardOutput {
        try check(lossFn)
        let outputs = try data.enumerated().map { index, datum in
            let targets = try CrossEntropy.targets(of: datum, index: index)
            let logprobs = try model.logprobs(context: datum.modelInput.tokens, targets: targets, datum: index)
            return CrossEntropy.output(logprobs: logprobs, shape: targets.resolvedShape)
        }
        return ForwardBackwardOutput(lossFnOutputType: "TensorData", lossFnOutputs: outputs, metrics: [:])
    }

    public func forwardBackward(_ data: [Datum], lossFn: BackendLossFunction) throws -> ForwardBackwardOutput {
        try check(lossFn)
        var gradient = accumulatedGradient
        var total = 0.0
        var outputs: [[String: TensorData]] = []
        for (index, datum) in data.enumerated() {
            let targets = try CrossEntropy.targets(of: datum, index: index)
            let context = datum.modelInput.tokens
            let logprobs = try model.logprobs(context: context, targets: targets, datum: index)
            let weights = try CrossEntropy.weights(of: datum, index: index, count: logprobs.count)
            let coefficients = weights.map { $0.data.map { -$0 } } ?? Array(repeating: -1, count: logprobs.count)
            try model.accumulateGradient(
                into: &gradient, context: context, targets: targets, coefficients: coefficients, datum: index)
            total += CrossEntropy.loss(logprobs: logprobs, weights: weights)
            outputs.append(CrossEntropy.output(logprobs: logprobs, shape: targets.resolvedShape))
        }
        // Only a request that fully succeeded changes state.
        accumulatedGradient = gradient
        forwardBackwardCount += 1
        return ForwardBackwardOutput(
            lossFnOutputType: "TensorData", lossFnOutputs: outputs, metrics: ["loss:sum": .number(total)])
    }

    public func optimStep(_ parameters: AdamParameters) {
        stepCount += 1
        let correction1 = 1 - libcPow(parameters.beta1, Double(stepCount))
        let correction2 = 1 - libcPow(parameters.beta2, Double(stepCount))
        for index in model.parameters.indices {
            let gradient = accumulatedGradient[index]
            firstMoment[index] = parameters.beta1 * firstMoment[index] + (1 - parameters.beta1) * gradient
            secondMoment[index] = parameters.beta2 * secondMoment[index] + (1 - parameters.beta2) * gradient * gradient
            let step = (firstMoment[index] / correction1) / ((secondMoment[index] / correction2).squareRoot() + parameters.eps)
            model.parameters[index] -= parameters.learningRate * step
        }
        accumulatedGradient = Array(repeating: 0, count: accumulatedGradient.count)
    }

    private func check(_ lossFn: BackendLossFunction) throws {
        guard lossFn == .crossEntropy else { throw BackendError.unsupportedLossFunction(lossFn) }
    }
}
