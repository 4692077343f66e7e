import Autodiff
import Foundation
import Testing

/// The fused reductions: the same values as the unfused expressions they replace, and
/// gradients that match central finite differences.
@Suite("Fused reductions")
struct FusedReductionTests {
    let x = Tensor([0.3, -1.2, 2.5, 0.8])
    let y = Tensor([1.5, 0.7, -0.4, 2.2])

    @Test func dotGradientMatchesFiniteDifferences() throws {
        try FiniteDifference.expectMatch([x, y]) { try $0[0].dot($0[1]) }
        try FiniteDifference.expectMatch([x, y]) { try $0[0].dot($0[1]).square() * 3 }
        let matrix = try Tensor([0.1, 0.2, 0.3, 0.4], shape: [2, 2])
        try FiniteDifference.expectMatch([matrix, y]) { try $0[0].dot($0[1]) }
    }

    @Test func sumOfSquaresGradientMatchesFiniteDifferences() throws {
        try FiniteDifference.expectMatch([x]) { $0[0].sumOfSquares() }
        try FiniteDifference.expectMatch([x]) { $0[0].sumOfSquares().square() }
    }

    @Test func varianceGradientMatchesFiniteDifferences() throws {
        try FiniteDifference.expectMatch([x]) { $0[0].variance() }
        try FiniteDifference.expectMatch([x]) { ($0[0].variance() * 2).exp() }
    }

    @Test func mapReduceGradientsMatchFiniteDifferences() throws {
        let k3: @Sendable (Double) -> (value: Double, derivative: Double) = { r in
            let e = Foundation.exp(r)
            return (e - 1 - r, e - 1)
        }
        try FiniteDifference.expectMatch([x]) { $0[0].mean(of: k3) }
        try FiniteDifference.expectMatch([x]) { $0[0].sum(of: k3) }
        try FiniteDifference.expectMatch([x, y]) { try ($0[0] - $0[1]).mean(of: k3) * 0.5 }
        try FiniteDifference.expectMatch([x]) { $0[0].sum { ($0 * $0 * $0, 3 * $0 * $0) }.square() }
    }

    @Test func aSecondBackwardThroughAMapReduceGivesTheSameGradient() throws {
        let leaf = Tensor.variable(x.values)
        let loss = leaf.mean { r in (Foundation.exp(r) - 1 - r, Foundation.exp(r) - 1) } * 3
        let first = try #require(try loss.backward()[leaf]).values
        let second = try #require(try loss.backward()[leaf]).values
        #expect(first == second)
        #expect(isClose(first, x.values.map { 3 * (Foundation.exp($0) - 1) / 4 }))
    }

    @Test func negatedSumOfDotsIsTheWeightedNLLChainBitForBit() throws {
        let rows: [[Double]] = [[0.3, -1.2, 2.5, 0.8, 1e-3], [-0.7, 1.9], [5.5, -0.125, 0.9, -2.2, 0.1, 7, -0.0, 3]]
        let weights: [[Double]] = [[0.1, 0.7, -0.2, 1.3, 9], [0.25, -4], [1, 2, 3, 4, 5, 6, 7, 0.3]]
        for scale in [1.0, -0.37, 3e-5] {
            let chainLeaves = rows.map { Tensor.variable($0) }
            var chain = Tensor(scalar: 0)
            for (leaf, row) in zip(chainLeaves, weights) { chain = try chain - leaf.dot(Tensor(row)) }
            chain = chain * scale
            let fusedLeaves = rows.map { Tensor.variable($0) }
            let fused = try Tensor.negatedSumOfDots(of: fusedLeaves, with: weights.map { Tensor($0) }) * scale
            #expect(try fused.item().bitPattern == (try chain.item().bitPattern))
            let chainGradients = try chain.backward()
            let fusedGradients = try fused.backward()
            for (chainLeaf, fusedLeaf) in zip(chainLeaves, fusedLeaves) {
                let expected = try #require(chainGradients[chainLeaf]).values
                let got = try #require(fusedGradients[fusedLeaf]).values
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern))
            }
        }
        try FiniteDifference.expectMatch([x, y]) { try Tensor.negatedSumOfDots(of: $0, with: [y, x]) }
    }

    @Test func negatedSumOfDotsRefusesMismatchedInputs() {
        #expect(throws: TensorError.self) { try Tensor.negatedSumOfDots(of: [x], with: [x, y]) }
        #expect(throws: TensorError.self) { try Tensor.negatedSumOfDots(of: [x], with: [Tensor([1, 2])]) }
    }

    @Test func fusedValuesEqualTheUnfusedExpressions() throws {
        #expect(try x.dot(y).item() == (try (x * y).sum().item()))
        #expect(try x.sumOfSquares().item() == (try x.square().sum().item()))
        #expect(try x.variance().item() == (try (x - x.mean()).square().mean().item()))
        let k3 = try (x.exp() - 1 - x).mean().item()
        #expect(try x.mean { (Foundation.exp($0) - 1 - $0, Foundation.exp($0) - 1) }.item() == k3)
        #expect(try Tensor.variable(x.values).mean { (Foundation.exp($0) - 1 - $0, Foundation.exp($0) - 1) }.item() == k3)
    }

    @Test func fusedGradientsAgreeWithTheUnfusedExpressions() throws {
        let leaf = Tensor.variable(x.values)
        let fused = try leaf.variance().backward()[leaf]
        let unfused = try (leaf - leaf.mean()).square().mean().backward()[leaf]
        #expect(isClose(try #require(fused).values, try #require(unfused).values))
    }

    @Test func dotRejectsDifferentElementCounts() {
        #expect(throws: TensorError.shapeMismatch(operation: "dot", lhs: [4], rhs: [3])) {
            try x.dot(Tensor([1, 2, 3]))
        }
    }

    @Test func emptyTensorsGiveTheUnfusedValues() throws {
        let empty = Tensor([])
        #expect(try empty.dot(empty).item() == 0)
        #expect(try empty.sumOfSquares().item() == 0)
        #expect(try empty.variance().item().isNaN)
    }

    // MARK: - Over a list of tensors

    let matrix = try! Tensor([0.1, -0.2, 0.3, 0.4, -1.5, 0.6], shape: [2, 3])
    let k3: @Sendable (Double, Double) -> (value: Double, derivative: Double) = { x, c in
        let r = c - x
        let e = Foundation.exp(r)
        return (e - 1 - r, -(e - 1))
    }

    @Test func listGradientsMatchFiniteDifferences() throws {
        try FiniteDifference.expectMatch([x, matrix]) { try Tensor.sumOfSquares(of: $0) }
        try FiniteDifference.expectMatch([x, matrix]) { try Tensor.variance(of: $0) }
        try FiniteDifference.expectMatch([x, matrix]) { try Tensor.variance(of: [$0[1], $0[0]]).square() }
        let constants = [y, try Tensor([0.5, 0.1, 0.2, 0.3, -1.0, 0.7], shape: [2, 3])]
        try FiniteDifference.expectMatch([x, matrix]) { try Tensor.mean(of: $0, against: constants, k3) }
        try FiniteDifference.expectMatch([x, matrix]) { try Tensor.mean(of: $0, against: constants, k3) * 3 }
    }

    @Test func listValuesEqualTheConcatenatedExpressions() throws {
        let parts = [x, matrix, y]
        let all = try Tensor.concatenate(parts.map { $0.flattened() })
        #expect(try Tensor.sumOfSquares(of: parts).item() == (try all.square().sum().item()))
        #expect(try Tensor.variance(of: parts).item() == (try (all - all.mean()).square().mean().item()))
        let constants = [y, matrix, x]
        let reference = try Tensor.concatenate(constants.map { $0.flattened() })
        let ratio = try reference - all
        #expect(try Tensor.mean(of: parts, against: constants, k3).item() == (try (ratio.exp() - 1 - ratio).mean().item()))
    }

    /// Lengths that are not multiples of the eight lanes, so that lanes carry across list
    /// boundaries, with magnitudes that cancel so that any other summation order shows.
    @Test func listValuesEqualTheConcatenationAcrossLaneBoundaries() throws {
        let lengths = [13, 1, 0, 21, 7, 9]
        var seed = 0.37
        let parts = lengths.map { length in
            Tensor((0..<length).map { i -> Double in
                seed = (seed * 97.13).truncatingRemainder(dividingBy: 1)
                return (i % 3 == 0 ? 1e15 : 1) * (seed - 0.5)
            })
        }
        let all = try Tensor.concatenate(parts.map { $0.flattened() })
        #expect(try Tensor.sumOfSquares(of: parts).item() == (try all.square().sum().item()))
        #expect(try Tensor.sumOfSquares(of: parts).item() == all.sumOfSquares().item())
        #expect(try Tensor.variance(of: parts).item() == (try (all - all.mean()).square().mean().item()))
        #expect(try Tensor.variance(of: parts).item() == all.variance().item())
        let constants = parts.map { Tensor($0.values.map { $0 * 0.5 + 0.25 }) }
        let reference = try Tensor.concatenate(constants.map { $0.flattened() })
        let ratio = try reference - all
        let fused = try Tensor.mean(of: parts, against: constants, k3).item()
        #expect(fused == (try (ratio.exp() - 1 - ratio).mean().item()))
        #expect(fused.bitPattern == (try ratio.mean { (Foundation.exp($0) - 1 - $0, Foundation.exp($0) - 1) }.item()).bitPattern)
        #expect(try all.dot(reference).item() == (try (all * reference).sum().item()))
    }

    /// Element `i` goes to lane `i % 8` and the lanes are combined pairwise: here the
    /// large values meet in lane 0 and cancel exactly, where a serial sum would have
    /// rounded every 1 away against 1e16 first.
    @Test func everyReductionSumsInEightLanes() throws {
        let values = [1e16, 1, 1, 1, 1, 1, 1, 1, -1e16, 1, 1]
        let ones = Tensor([Double](repeating: 1, count: values.count))
        let x = Tensor(values)
        #expect(try x.sum().item() == 9)
        #expect(try x.mean().item() == 9 * (1 / 11.0))
        #expect(try x.dot(ones).item() == 9)
        #expect(try x.sum { ($0, 1) }.item() == 9)
        #expect(try Tensor.variable(values).sum { ($0, 1) }.item() == 9)
        #expect(try Tensor.mean(of: [Tensor.variable(values)], against: [ones]) { x, _ in (x, 1) }.item() == 9 * (1 / 11.0))
        #expect(try Tensor.mean(of: [x], against: [ones]) { x, _ in (x, 1) }.item() == 9 * (1 / 11.0))
        let split = [Tensor(Array(values[..<3])), Tensor(Array(values[3...]))]
        #expect(try Tensor.mean(of: split, against: [Tensor([1, 1, 1]), Tensor([Double](repeating: 1, count: 8))]) { x, _ in (x, 1) }.item() == 9 * (1 / 11.0))
    }

    @Test func listGradientsAgreeWithTheConcatenatedExpressions() throws {
        let leaves = [Tensor.variable(x.values), try Tensor.variable(matrix.values, shape: [2, 3])]
        let all = try Tensor.concatenate(leaves.map { $0.flattened() })
        let fused = try Tensor.variance(of: leaves).backward()
        let unfused = try (all - all.mean()).square().mean().backward()
        for leaf in leaves {
            let a = try #require(fused[leaf])
            #expect(a.shape == leaf.shape)
            #expect(isClose(a.values, try #require(unfused[leaf]).values))
        }
    }

    @Test func constantsReceiveNoGradientAndASecondBackwardAgrees() throws {
        let leaf = Tensor.variable(x.values)
        let constant = Tensor.variable(y.values)
        let loss = try Tensor.mean(of: [leaf], against: [constant], k3)
        let first = try loss.backward()
        #expect(first[constant] == nil)
        let second = try loss.backward()
        #expect(try #require(first[leaf]).values == (try #require(second[leaf]).values))
    }

    @Test func listsThatCannotBeReducedAreRejected() {
        #expect(throws: TensorError.emptyInput(operation: "sumOfSquares")) { try Tensor.sumOfSquares(of: []) }
        #expect(throws: TensorError.emptyInput(operation: "variance")) { try Tensor.variance(of: []) }
        #expect(throws: TensorError.emptyInput(operation: "mean")) { try Tensor.mean(of: [], against: [], k3) }
        #expect(throws: TensorError.shapeMismatch(operation: "mean", lhs: [4], rhs: [3])) {
            try Tensor.mean(of: [x], against: [Tensor([1, 2, 3])], k3)
        }
        #expect(throws: TensorError.shapeMismatch(operation: "mean", lhs: [1], rhs: [2])) {
            try Tensor.mean(of: [x], against: [x, x], k3)
        }
    }
}
