import Autodiff
import Testing
import TinkerWire
@testable import TrainingClient

/// Semantics sections 4-6: overflow from finite values is an error, and nothing is sent.
@Suite("Overflow and non-finite gradients")
struct OverflowTests {
    private func failure(
        _ harness: FixedHarness, lossFn: LossFunction? = nil, _ regularizers: [Regularizer]
    ) async throws -> CustomLossError {
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(harness.data, lossFn: lossFn, regularizers: regularizers)
        }
        #expect(await harness.sawNoBackward, "a poisoned step reached the backend")
        return error
    }

    @Test("A finite value times a finite weight that overflows is non_finite_loss, labelled with the regularizer")
    func contributionOverflow() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await failure(harness, [
            Regularizer(name: "l2", weight: 0.5, fn: syncFn(sumOfSquares)),
            Regularizer(name: "huge", weight: 1e300, fn: syncFn { _ in Tensor(scalar: 1e10) }),
        ])
        #expect(error.kind == .nonFiniteLoss)
        #expect(error.label == "huge")
        #expect(error.message.contains("overflows"))
    }

    @Test("Finite contributions whose sum overflows: non_finite_loss labelled loss_total, naming the total")
    func totalOverflow() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let big = syncFn { _ in Tensor(scalar: 1e308) }
        let regularizerTotal = try await failure(harness, [
            Regularizer(name: "a", weight: 1, fn: big), Regularizer(name: "b", weight: 1, fn: big),
        ])
        #expect(regularizerTotal.kind == .nonFiniteLoss)
        #expect(regularizerTotal.label == "loss_total")
        #expect(regularizerTotal.message.contains("regularizer_total"))

        let lossTotal = try await failure(
            FixedHarness(logprobs: [[-1, -2]]), lossFn: syncFn { _ in Tensor(scalar: 1.5e308) },
            [Regularizer(name: "a", weight: 1, fn: big)])
        #expect(lossTotal.label == "loss_total")
        #expect(lossTotal.message.hasPrefix("loss_total overflows"))
    }

    @Test("An infinite derivative (sqrt at 0) is non_finite_gradient naming datum, element and the fn")
    func infiniteDerivative() async throws {
        let harness = FixedHarness(logprobs: [[-0.5, -1.5], [0]])
        let root = syncFn { logprobs in (-logprobs[1].sum()).sqrt() }
        let error = try await failure(harness, lossFn: syncFn(sumOfAll), [Regularizer(name: "root", weight: 0.1, fn: root)])
        #expect(error.kind == .nonFiniteGradient)
        #expect(error.label == "root")
        #expect(error.message.contains("datum 1, element 0"))
    }

    @Test("A finite float64 gradient beyond float32's range is non_finite_gradient, naming no fn")
    func beyondFloat32() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await failure(harness, [Regularizer(name: "steep", weight: 1e300, fn: syncFn(sumOfAll))])
        #expect(error.kind == .nonFiniteGradient)
        #expect(error.label == nil)
        #expect(error.message.contains("datum 0, element 0"))
        #expect(error.message.contains("float32"))
    }

    @Test("Negative control: a large gradient within float32's range is sent")
    func largeButRepresentable() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [Regularizer(name: "steep", weight: 1e30, fn: syncFn(sumOfAll))])
        #expect(try await harness.sentWeights() == [[float32(-1e30), float32(-1e30)]])
    }

    @Test("A zero-weight regularizer with an infinite derivative adds nothing and is no error")
    func zeroWeightInfiniteDerivative() async throws {
        let harness = FixedHarness(logprobs: [[0]])
        let root = syncFn { logprobs in (-logprobs[0].sum()).sqrt() }
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: syncFn(sumOfAll), regularizers: [Regularizer(name: "root", weight: 0, fn: root)])
        #expect(try await harness.sentWeights() == [[-1]])
    }

    @Test("The fake backend serves logprobs rounded to float32, as the service does")
    func backendServesFloat32() async throws {
        let backend = FixedLogprobsBackend(logprobs: [[-0.1, -1e300]])
        let output = try await backend.forward(
            [makeDatum(input: [1, 2], targets: [2, 3])], lossFn: .crossEntropy)
        #expect(output.lossFnOutputs[0]["logprobs"]?.data == [float32(-0.1), -.infinity])
    }

    @Test("Rows already float32 are served as given; any other row is rounded whole, NaN kept NaN")
    func backendKeepsFloat32Rows() {
        let rows: [[Double]] = [[float32(-0.1), -0.5, -0.0], [-0.1, -0.5], [.nan, -0.5], [], [-1e300]]
        let served = FixedLogprobsBackend(logprobs: rows).logprobs
        #expect(served[0] == rows[0] && served[0][2].sign == .minus)
        #expect(served[1] == [float32(-0.1), -0.5])
        #expect(served[2][0].isNaN && served[2][1] == -0.5)
        #expect(served[3].isEmpty)
        #expect(served[4] == [-.infinity])
    }
}
