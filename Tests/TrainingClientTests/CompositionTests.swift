import Autodiff
import Testing
import TinkerWire
@testable import TrainingClient

/// Semantics section 5: contributions, regularizer_total and loss_total.
@Suite("Composition")
struct CompositionTests {
    @Test("Contribution = weight * value; regularizer_total sums them; loss_total adds the base")
    func arithmeticWithBase() async throws {
        // lp = [[-1, -2], [-0.5]]
        let harness = FixedHarness(logprobs: [[-1, -2], [-0.5]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: syncFn { try sumOfAll($0.map { -$0 }) },  // 1 + 2 + 0.5 = 3.5
            regularizers: [
                Regularizer(name: "squares", weight: 0.5, fn: syncFn { try sumOfSquares($0) }),  // 1 + 4 + 0.25 = 5.25
                Regularizer(name: "first_mean", weight: -2, fn: syncFn { $0[0].mean() }),    // -1.5
                Regularizer(name: "second_sum", weight: 4, fn: asyncFn { $0[1].sum() }),     // -0.5
            ])
        let metrics = result.metrics
        // contributions: 0.5 * 5.25 = 2.625; -2 * -1.5 = 3; 4 * -0.5 = -2
        #expect(try metrics.requireNumber("regularizers", "squares", "value") == 5.25)
        #expect(try metrics.requireNumber("regularizers", "squares", "contribution") == 2.625)
        #expect(try metrics.requireNumber("regularizers", "first_mean", "value") == -1.5)
        #expect(try metrics.requireNumber("regularizers", "first_mean", "contribution") == 3)
        #expect(try metrics.requireNumber("regularizers", "second_sum", "value") == -0.5)
        #expect(try metrics.requireNumber("regularizers", "second_sum", "contribution") == -2)
        // regularizer_total = 2.625 + 3 - 2 = 3.625; loss_total = 3.5 + 3.625 = 7.125
        #expect(try metrics.requireNumber("regularizer_total") == 3.625)
        #expect(try metrics.requireNumber("base_loss", "value") == 3.5)
        #expect(try metrics.requireNumber("loss_total") == 7.125)
    }

    @Test("Without a loss_fn the base value is 0, so loss_total = regularizer_total")
    func arithmeticWithoutBase() async throws {
        let harness = FixedHarness(logprobs: [[-1, -3]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizers: [
                Regularizer(name: "mean", weight: 3, fn: syncFn { $0[0].mean() }),      // -2 -> -6
                Regularizer(name: "squares", weight: 0.25, fn: syncFn { $0[0].square().sum() }),  // 10 -> 2.5
            ])
        // regularizer_total = -6 + 2.5 = -3.5 = loss_total
        #expect(try result.metrics.requireNumber("regularizer_total") == -3.5)
        #expect(try result.metrics.requireNumber("loss_total") == -3.5)
    }

    /// With contributions 1e16, 1, -1e16, summing in list order gives ((1e16 + 1) - 1e16) = 0,
    /// since 1e16 + 1 rounds back to 1e16 (the spacing of doubles there is 2, and the tie
    /// goes to the even 1e16). Any other order or an exact sum gives 1.
    @Test("regularizer_total sums the contributions in list order")
    func regularizerTotalSumsInListOrder() async throws {
        let harness = FixedHarness(logprobs: [[-1]])
        let constant = { (value: Double) in syncFn { _ in Tensor(scalar: value) } }
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            lossFn: syncFn { _ in Tensor(scalar: 0.5) },
            regularizers: [
                Regularizer(name: "huge", weight: 1, fn: constant(1e16)),
                Regularizer(name: "one", weight: 1, fn: constant(1)),
                Regularizer(name: "minus_huge", weight: 1, fn: constant(-1e16)),
            ])
        #expect(try result.metrics.requireNumber("regularizer_total") == 0)
        // loss_total = base + regularizer_total = 0.5 + 0; adding the base first would give 0.
        #expect(try result.metrics.requireNumber("loss_total") == 0.5)
    }

    @Test("Contributions follow the sign of the weight and the value")
    func contributionSigns() async throws {
        let harness = FixedHarness(logprobs: [[-2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizers: [
                Regularizer(name: "neg_weight_neg_value", weight: -0.5, fn: syncFn { $0[0].sum() }),   // -0.5 * -2 = 1
                Regularizer(name: "neg_weight_pos_value", weight: -0.5, fn: syncFn { $0[0].square().sum() }),  // -0.5 * 4 = -2
                Regularizer(name: "pos_weight_neg_value", weight: 1.5, fn: syncFn { $0[0].sum() }),    // 1.5 * -2 = -3
            ])
        #expect(try result.metrics.requireNumber("regularizers", "neg_weight_neg_value", "contribution") == 1)
        #expect(try result.metrics.requireNumber("regularizers", "neg_weight_pos_value", "contribution") == -2)
        #expect(try result.metrics.requireNumber("regularizers", "pos_weight_neg_value", "contribution") == -3)
        // 1 - 2 - 3 = -4
        #expect(try result.metrics.requireNumber("loss_total") == -4)
    }

    @Test("A zero-weight regularizer among others changes neither totals nor gradient")
    func zeroWeightAmongOthers() async throws {
        func run(includingZero: Bool) async throws -> (Metrics, [[Double]]) {
            let harness = FixedHarness(logprobs: [[-1, -2]])
            var regularizers = [Regularizer(name: "sum", weight: 2, fn: syncFn { $0[0].sum() })]
            if includingZero {
                regularizers.insert(Regularizer(name: "off", weight: 0, fn: syncFn { $0[0].exp().sum() }), at: 0)
            }
            let result = try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: syncFn { -$0[0].sum() }, regularizers: regularizers)
            return (result.metrics, try await harness.sentWeights())
        }
        let (with, withWeights) = try await run(includingZero: true)
        let (without, withoutWeights) = try await run(includingZero: false)
        #expect(with.number(at: ["loss_total"]) == without.number(at: ["loss_total"]))
        #expect(with.number(at: ["regularizer_total"]) == without.number(at: ["regularizer_total"]))
        #expect(withWeights == withoutWeights)
        // g = -1 + 2 = 1 each, weights -1
        #expect(withWeights == [[-1, -1]])
    }
}
