import Autodiff
import Testing
@testable import TrainingClient

/// A term of a composed loss: its name, weight (nil for the base) and body.
struct LossTerm: Sendable {
    typealias Body = @Sendable ([Datum], [Tensor]) throws -> Tensor
    let name: String
    let weight: Double?
    let isAsync: Bool
    let body: Body

    var lossFunction: LossFunction {
        let body = body
        if isAsync {
            return .async { data, logprobs in
                try await Task.sleep(for: .milliseconds(3))
                return LossOutput(loss: try body(data, logprobs))
            }
        }
        return .sync { data, logprobs in LossOutput(loss: try body(data, logprobs)) }
    }

    /// `base + sum(weight_i * reg_i)` evaluated on constant tensors.
    static func lossTotal(_ terms: [LossTerm], data: [Datum], logprobs: [Tensor]) throws -> Double {
        var total = 0.0
        for term in terms {
            let value = try term.body(data, logprobs).item()
            total += (term.weight ?? 1) * value
        }
        return total
    }

    /// Central differences of `lossTotal` with respect to every logprob.
    static func numericGradient(
        _ terms: [LossTerm], data: [Datum], logprobs: [[Double]], shapes: [[Int]], step: Double = 1e-5
    ) throws -> [[Double]] {
        try logprobs.indices.map { datum in
            try logprobs[datum].indices.map { element in
                func total(shiftedBy delta: Double) throws -> Double {
                    var shifted = logprobs
                    shifted[datum][element] += delta
                    let tensors = try zip(shifted, shapes).map { try Tensor($0, shape: $1) }
                    return try lossTotal(terms, data: data, logprobs: tensors)
                }
                return (try total(shiftedBy: step) - total(shiftedBy: -step)) / (2 * step)
            }
        }
    }
}

/// A composed loss like a preference-tuning objective: a weighted NLL base, an L2 penalty,
/// a DPO-like `-logSigmoid` margin between two datums, and a negatively weighted entropy-like term.
let composedTerms: [LossTerm] = [
    LossTerm(name: "loss_fn", weight: nil, isAsync: false) { data, lp in try weightedNLL(data, lp) },
    LossTerm(name: "l2", weight: 0.1, isAsync: false) { _, lp in try sumOfSquares(lp) },
    LossTerm(name: "dpo", weight: 0.5, isAsync: true) { _, lp in
        let beta = 0.8
        let margin = try lp[0].mean() - lp[1].mean()
        return -(beta * margin).logSigmoid()
    },
    LossTerm(name: "entropy_bonus", weight: -0.3, isAsync: false) { _, lp in
        try sumOfAll(try lp.map { try $0.exp() * $0 })
    },
]

/// Semantics section 6: the gradient sent to the backend and the backward request.
@Suite("Gradient and linearization")
struct GradientTests {
    /// A 1-D datum with NLL weights and an extra input, and a `[2, 2]` multi-target datum.
    static let data = [
        makeDatum(
            input: [0, 1, 2], targets: [1, 2, 3],
            extraInputs: ["weights": TensorData(floats: [1, 0.5, 2]), "advantages": TensorData(floats: [0.3, -0.2, 1])]),
        makeDatum(
            input: [3, 4], targets: [4, 0, 1, 2], shape: [2, 2],
            extraInputs: ["weights": TensorData(floats: [1, 1, 0.5, 0.5], shape: [2, 2])]),
    ]
    static let logprobs: [[Double]] = [[-0.7, -1.3, -2.1], [-0.4, -1.9, -0.8, -3.2]]
    /// What the float32 backend serves for `logprobs`, and so what the fns see.
    static let served = logprobs.map { $0.map(Float32Rounding.rounded) }
    static let shapes = [[3], [2, 2]]

    private func callComposed(_ harness: FixedHarness) async throws -> ForwardBackwardOutput {
        let base = composedTerms[0]
        return try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: base.lossFunction,
            regularizers: composedTerms.dropFirst().map {
                Regularizer(name: $0.name, weight: $0.weight ?? 1, fn: $0.lossFunction)
            })
    }

    @Test("The gradient sent is d(loss_total)/d(logprobs), checked against central differences")
    func gradientMatchesFiniteDifferences() async throws {
        let harness = FixedHarness(logprobs: Self.logprobs, data: Self.data)
        let result = try await callComposed(harness)
        let expected = try LossTerm.numericGradient(
            composedTerms, data: Self.data, logprobs: Self.logprobs, shapes: Self.shapes)
        // Weights travel as float32, so compare at float32 precision.
        expectClose(try await harness.sentGradient(), expected, rtol: 1e-5, atol: 1e-6, "gradient")

        let tensors = try zip(Self.served, Self.shapes).map { try Tensor($0, shape: $1) }
        let lossTotal = try LossTerm.lossTotal(composedTerms, data: Self.data, logprobs: tensors)
        #expect(isClose(try result.metrics.requireNumber("loss_total"), lossTotal, rtol: 1e-12, atol: 1e-12))
    }

    @Test("One backward request: cross_entropy, same model_input and target_tokens, weights = -g as float32, nothing else")
    func backwardRequestIsLinearized() async throws {
        let harness = FixedHarness(logprobs: Self.logprobs, data: Self.data)
        _ = try await callComposed(harness)
        let backward = await harness.backend.forwardBackwardRequests
        try #require(backward.count == 1)
        let request = backward[0]
        #expect(request.lossFn == .crossEntropy)
        try #require(request.data.count == Self.data.count)
        for (sent, original) in zip(request.data, Self.data) {
            #expect(sent.modelInput == original.modelInput)
            #expect(sent.targetTokens == original.targetTokens)
            #expect(Set(sent.lossFnInputs.keys) == ["target_tokens", "weights"])
            let weights = try #require(sent.lossFnInputs["weights"])
            #expect(weights.dtype == .float32)
            #expect(weights.resolvedShape == original.targetTokens?.resolvedShape)
            #expect(weights.data.allSatisfy { float32($0) == $0 }, "weights are not float32 values")
            // The client's weights, not the datum's own NLL weights.
            #expect(weights.data != original.lossFnInputs["weights"]?.data)
        }
    }

    @Test("Hand-worked gradient: several fns reaching one logprob add up")
    func handWorkedGradient() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        _ = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: syncFn { try sumOfAll($0.map { -$0 }) },
            regularizers: [
                Regularizer(name: "squares", weight: 0.5, fn: syncFn { try sumOfSquares($0) }),
                Regularizer(name: "first_mean", weight: -2, fn: asyncFn { $0[0].mean() }),
            ])
        // base: -1 everywhere; squares: 0.5 * 2 * lp = lp; first_mean: -2 * 1/2 = -1 on datum 0
        // datum 0: [-1 - 1 - 1, -1 - 2 - 1] = [-3, -4]; datum 1: [-1 - 0.5] = [-1.5]
        #expect(try await harness.sentWeights() == [[3, 4], [1.5]])
    }

    @Test("A [T, K] datum gets a gradient of the same shape")
    func multiTargetGradient() async throws {
        let harness = FixedHarness(
            logprobs: [[-1, -2, -3, -4, -5, -6]],
            data: [makeDatum(input: [1, 2], targets: [0, 1, 2, 3, 4, 0], shape: [2, 3])])
        _ = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizers: [
                // Row 0 only: d/d lp[0][k] = 1, weighted by 2.
                Regularizer(name: "first_row", weight: 2, fn: syncFn { try $0[0][0].sum() }),
                // Column sums squared are awkward; square the second row: d = 2 * lp[1][k] * 0.5 = lp[1][k]
                Regularizer(name: "second_row_squares", weight: 0.5, fn: syncFn { try $0[0][1].square().sum() }),
            ])
        // g = [2, 2, 2, -4, -5, -6]
        #expect(try await harness.sentGradient() == [[2, 2, 2, -4, -5, -6]])
        let weights = try #require(await harness.backend.forwardBackwardRequests.first?.data[0].lossFnInputs["weights"])
        #expect(weights.resolvedShape == [2, 3])
    }

    @Test("A constant fn adds nothing to the gradient and is not an error")
    func constantFnAddsNothing() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { -$0[0].sum() },
            regularizers: [
                Regularizer(name: "constant", weight: 3, fn: syncFn { _ in Tensor(scalar: 5) }),
                Regularizer(name: "detached", weight: 2, fn: syncFn { $0[0].detached().square().sum() }),
            ])
        // Values still count: 3 * 5 = 15; 2 * (1 + 4) = 10; loss_total = 3 + 25 = 28
        #expect(try result.metrics.requireNumber("regularizers", "constant", "contribution") == 15)
        #expect(try result.metrics.requireNumber("regularizers", "detached", "contribution") == 10)
        #expect(try result.metrics.requireNumber("loss_total") == 28)
        // Only the base's -1 each.
        #expect(try await harness.sentGradient() == [[-1, -1]])
    }

    @Test("Logprobs that no fn reaches get a zero gradient in structured mode")
    func unreachedLogprobsGetZeros() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-3], [-4, -5]])
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn { -$0[0].sum() },
            regularizers: [Regularizer(name: "middle", weight: 0.5, fn: syncFn { $0[1].square().sum() })])
        // datum 0: -1 each; datum 1: 0.5 * 2 * -3 = -3; datum 2: unreached, 0
        #expect(try await harness.sentGradient() == [[-1, -1], [-3], [0, 0]])
    }

    @Test("Only constant regularizers: all-zero weights, no error")
    func onlyConstantRegularizers() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2], [-3]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [Regularizer(name: "constant", weight: 1, fn: syncFn { _ in Tensor(scalar: 2) })])
        #expect(try result.metrics.requireNumber("loss_total") == 2)
        #expect(try await harness.sentWeights() == [[0, 0], [0]])
    }

    @Test("The result is the backward pass's output")
    func resultIsTheBackwardOutput() async throws {
        let harness = FixedHarness(logprobs: Self.logprobs, data: Self.data)
        let result = try await callComposed(harness)
        #expect(result.lossFnOutputType == "TensorData")
        #expect(result.lossFnOutputs.map { $0["logprobs"]?.data } == Self.served)
        #expect(result.lossFnOutputs.map { $0["logprobs"]?.resolvedShape } == Self.shapes)
        // FixedLogprobsBackend reports loss:sum = sum(-weights * logprobs) for the weights it received.
        let weights = try await harness.sentWeights()
        let expected = zip(weights, Self.served).reduce(0.0) { total, pair in
            total + zip(pair.0, pair.1).reduce(0.0) { $0 - $1.0 * $1.1 }
        }
        #expect(isClose(try result.metrics.requireNumber("loss:sum"), expected, rtol: 1e-12, atol: 1e-12))
    }
}
