import Autodiff
import Foundation
import Testing
@testable import TrainingClient

/// The client's linearized step on a real model: the parameter gradient the backend
/// accumulates must be d(loss_total)/d(parameters).
@Suite("End-to-end gradient on a bigram model")
struct EndToEndGradientTests {
    /// A weighted 1-D datum and a [T, K] = [2, 2] multi-target datum, in a 5-token vocabulary.
    static let data = [
        makeDatum(
            input: [0, 3, 1, 4], targets: [3, 1, 4, 2],
            extraInputs: ["weights": TensorData(floats: [1, 1, 0.5, 2])]),
        makeDatum(
            input: [2, 0], targets: [1, 4, 3, 0], shape: [2, 2],
            extraInputs: ["weights": TensorData(floats: [1, 0.25, 1, 0.25], shape: [2, 2])]),
    ]

    /// Base weighted NLL plus two regularizers, one of them async and negatively weighted.
    static let terms: [LossTerm] = [
        LossTerm(name: "loss_fn", weight: nil, isAsync: false) { data, lp in try weightedNLL(data, lp) },
        LossTerm(name: "l2", weight: 0.05, isAsync: false) { _, lp in try sumOfSquares(lp) },
        LossTerm(name: "margin", weight: -0.2, isAsync: true) { _, lp in
            let margin = try lp[0].mean() - lp[1].mean()
            return -margin.logSigmoid()
        },
    ]

    /// The logprobs a model with `parameters` gives each datum, as constant tensors.
    static func logprobs(of model: BigramModel, parameters: [Double]) throws -> [Tensor] {
        var perturbed = model
        perturbed.parameters = parameters
        return try data.enumerated().map { index, datum in
            let targets = try #require(datum.targetTokens)
            let values = try perturbed.logprobs(context: datum.modelInput.tokens, targets: targets, datum: index)
            return try Tensor(values, shape: targets.resolvedShape)
        }
    }

    /// loss_total as a function of the model's parameters.
    static func lossTotal(_ model: BigramModel, parameters: [Double]) throws -> Double {
        try LossTerm.lossTotal(terms, data: data, logprobs: logprobs(of: model, parameters: parameters))
    }

    private func makeCall(_ client: TrainingClient) async throws -> ForwardBackwardOutput {
        try await client.forwardBackwardCustom(
            Self.data, lossFn: Self.terms[0].lossFunction,
            regularizers: Self.terms.dropFirst().map { Regularizer(name: $0.name, weight: $0.weight ?? 1, fn: $0.lossFunction) })
    }

    @Test("The accumulated gradient equals central differences of loss_total in the parameters")
    func accumulatedGradientMatchesFiniteDifferences() async throws {
        let model = BigramModel(vocabularySize: 5, seed: 7)
        let backend = BigramModelBackend(model: model)
        let result = try await makeCall(TrainingClient(backend: backend))
        let accumulated = await backend.accumulatedGradient

        let step = 1e-5
        var numeric: [Double] = []
        for index in model.parameters.indices {
            var plus = model.parameters
            var minus = model.parameters
            plus[index] += step
            minus[index] -= step
            numeric.append((try Self.lossTotal(model, parameters: plus) - Self.lossTotal(model, parameters: minus)) / (2 * step))
        }
        // The weights travel as float32 (relative error ~6e-8), hence the absolute floor.
        expectClose([accumulated], [numeric], rtol: 1e-5, atol: 1e-6, "parameter gradient")
        #expect(numeric.contains { abs($0) > 1e-2 }, "the check needs a non-trivial gradient")
        // The reported loss_total is the one computed from the model's own logprobs.
        let expectedLossTotal = try Self.lossTotal(model, parameters: model.parameters)
        #expect(isClose(try result.metrics.requireNumber("loss_total"), expectedLossTotal, rtol: 1e-12, atol: 1e-12))
        #expect(await backend.forwardBackwardCount == 1)
    }

    @Test("An optimizer step changes the parameters against the gradient and clears it")
    func optimStepAppliesAndClearsTheGradient() async throws {
        let model = BigramModel(vocabularySize: 5, seed: 7)
        let backend = BigramModelBackend(model: model)
        _ = try await makeCall(TrainingClient(backend: backend))
        let gradient = await backend.accumulatedGradient
        let learningRate = 0.01
        await backend.optimStep(AdamParameters(learningRate: learningRate))
        let updated = await backend.model.parameters
        #expect(updated != model.parameters)
        // Adam's first step: m = (1 - b1) g, v = (1 - b2) g^2; bias-corrected m / sqrt(v) = g / |g|,
        // so each parameter moves by -lr * sign(g) (eps = 1e-12 is negligible here).
        for index in gradient.indices where abs(gradient[index]) > 1e-6 {
            let expected = model.parameters[index] - learningRate * (gradient[index] > 0 ? 1 : -1)
            #expect(isClose(updated[index], expected, rtol: 1e-9, atol: 1e-9), "parameter \(index)")
        }
        #expect(await backend.accumulatedGradient.allSatisfy { $0 == 0 })
    }

    @Test("A structured step lowers loss_total")
    func stepLowersLossTotal() async throws {
        let model = BigramModel(vocabularySize: 5, seed: 7)
        let backend = BigramModelBackend(model: model)
        _ = try await makeCall(TrainingClient(backend: backend))
        await backend.optimStep(AdamParameters(learningRate: 1e-3))
        let before = try Self.lossTotal(model, parameters: model.parameters)
        let after = try Self.lossTotal(model, parameters: await backend.model.parameters)
        #expect(after < before)
    }
}
