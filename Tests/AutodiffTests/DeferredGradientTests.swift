import Autodiff
import Foundation
import Testing

/// `backward(deferringTo:)`, the path a call's composition takes: for every loss, each leaf's
/// deferred gradient holds bit for bit the numbers `backward()` gives, added into a buffer as
/// `buffer[i] += scale * gradient[i]`, and is nil exactly where `backward()`'s is.
@Suite("Deferred gradients")
struct DeferredGradientTests {
    /// Ordinary values, where every rounding shows, and hostile ones: zeros of both signs,
    /// huge, tiny, and one-element rows.
    static let rowSets: [[[Double]]] = [
        [[0.3, -1.2, 2.5, 0.8], [-0.7, 1.9, -3.3, 0.45], [5.5, -0.125, 0.9, -2.2], [-0.01]],
        [[0.3, -1.2, 2.5, 0.8], [-0.0, 0.0, .leastNonzeroMagnitude, -7.5], [700, -700, 1e300, -1e-300], [-0.01]],
    ]

    /// Every loss composed of the fused kernels, alone, mixed and reusing a leaf, plus the
    /// unfused ops, slices, a constant, and a loss that is itself a leaf.
    static let losses: [(name: String, loss: @Sendable ([Tensor]) throws -> Tensor)] = [
        ("dot", { try $0[0].dot(Tensor([0.5, -2, 3, 1e-3])) }),
        ("dot with itself", { try $0[0].dot($0[0]) }),
        ("dot chain, as weighted_nll", { xs in
            var total = Tensor(scalar: 0)
            for x in xs { total = try total - x.dot(Tensor([Double](repeating: 0.25, count: x.scalarCount))) }
            return total
        }),
        ("negated sum of dots, as weighted_nll", { xs in
            try Tensor.negatedSumOfDots(of: xs, with: xs.map { Tensor([Double](repeating: 0.25, count: $0.scalarCount)) })
        }),
        ("negated sum of dots over part of the list", { xs in
            try Tensor.negatedSumOfDots(of: [xs[2], xs[0]], with: [Tensor(xs[2].values), Tensor([Double](repeating: -3, count: xs[0].scalarCount))])
        }),
        ("sum of squares", { $0[0].sumOfSquares() }),
        ("sum of squares of the list", { try Tensor.sumOfSquares(of: $0) }),
        ("variance", { $0[1].variance() }),
        ("variance of the list", { try Tensor.variance(of: $0) }),
        ("sum(of:) with an infinite derivative", { $0[1].sum { ($0.magnitude.squareRoot(), 0.5 / $0.magnitude.squareRoot()) } }),
        ("mean(of:) k3", { $0[0].mean { r in (Foundation.exp(r) - 1 - r, Foundation.exp(r) - 1) } }),
        ("mean(of:against:) k3, overflowing", { xs in
            try Tensor.mean(of: xs, against: xs.map { Tensor($0.values.map { $0 + 0.1 }) }) { lp, ref in
                let r = ref - lp
                let e = Foundation.exp(r)
                return (e - 1 - r, -(e - 1))
            }
        }),
        ("a fused kernel read twice", { try $0[0].sumOfSquares() + $0[0].variance() * 3 }),
        ("fused and unfused mixed", { try ($0[0].sumOfSquares() * 2 + ($0[0] * $0[0]).sum()) / 7 }),
        ("unfused ops", { try (($0[0].exp() * $0[0]).sum() - $0[3].sum()).sqrt() }),
        ("a slice", { try $0[0][1..<3].sumOfSquares() }),
        ("a shared product read by fused and unfused ops", { xs in
            let shared = try xs[0] * xs[1]
            return try shared.sumOfSquares() + (shared * xs[0]).sum() + shared.variance()
        }),
        ("the loss is a leaf", { $0[3] }),
        ("a constant", { _ in Tensor(scalar: 4) }),
        ("reaches no leaf but one", { $0[2].sumOfSquares() * 0 }),
    ]

    @Test(arguments: 0..<losses.count, [1.0, -0.5, 3e300, 0])
    func deferredGradientsEqualBackward(_ index: Int, scale: Double) throws {
        for rows in Self.rowSets {
            try expectDeferredEqualsBackward(Self.losses[index], rows: rows, scale: scale)
        }
    }

    private func expectDeferredEqualsBackward(
        _ named: (name: String, loss: @Sendable ([Tensor]) throws -> Tensor), rows: [[Double]], scale: Double
    ) throws {
        let (name, lossOf) = named
        let leaves = rows.map { Tensor.variable($0) }
        let loss = try lossOf(leaves)
        let eager = try loss.backward()
        let deferred = try loss.backward(deferringTo: leaves)
        #expect(deferred.count == leaves.count)
        for (position, leaf) in leaves.enumerated() {
            let expected = eager[leaf]?.values
            let got = deferred[position]
            #expect((expected == nil) == (got == nil), "\(name): leaf \(position) reached by one path only")
            guard let expected, let got else { continue }
            let start: [Double] = (0..<expected.count).map { Double($0) - 1.5 }
            var buffer = start
            buffer.withUnsafeMutableBufferPointer { got.add(scaledBy: scale, into: $0) }
            let sum = zip(start, expected).map { $0 + scale * $1 }
            #expect(Self.bits(buffer) == Self.bits(sum), "\(name): leaf \(position), scale \(scale)")
            #expect(Self.bits(got.values) == Self.bits(expected), "\(name): leaf \(position) values")
            // Read again: the same numbers, whether or not a pullback kept its stored array.
            #expect(Self.bits(got.values) == Self.bits(expected), "\(name): leaf \(position) values, read twice")
        }
    }

    @Test func aBufferShorterThanTheGradientIsFilledAsFarAsItGoes() throws {
        let leaf = Tensor.variable([1, 2, 3, 4])
        let deferred = try #require(try leaf.sumOfSquares().backward(deferringTo: [leaf])[0])
        var buffer = [0.0, 0.0]
        buffer.withUnsafeMutableBufferPointer { deferred.add(scaledBy: 1, into: $0) }
        #expect(buffer == [2, 4])
    }

    @Test func aLeafListedTwiceGetsItsGradientAtBothPositions() throws {
        let leaf = Tensor.variable([1, -2, 3])
        let other = Tensor.variable([4])
        let computed = leaf.sumOfSquares() * 3
        let deferred = try computed.backward(deferringTo: [leaf, other, leaf, computed])
        let expected = try #require(try computed.backward()[leaf]).values
        #expect(deferred[0]?.values == expected)
        #expect(deferred[2]?.values == expected)
        #expect(deferred[1] == nil)
        #expect(deferred[3] == nil, "a tensor that is not a leaf has no gradient, as in backward()")
    }

    @Test func aFusedOperationReadingALeafTwiceAddsBothContributions() throws {
        let a = Tensor.variable([1, -2, 3])
        let b = Tensor.variable([0.5])
        // The operation's edges line up with the leaves, but the first leaf is read twice.
        let loss = try Tensor.sumOfSquares(of: [a, b, a])
        let deferred = try loss.backward(deferringTo: [a, b, a])
        #expect(deferred[0]?.values == [4, -8, 12])
        #expect(deferred[2]?.values == [4, -8, 12])
        #expect(deferred[1]?.values == [1])
        // Past the pairwise comparison: many leaves, the first read twice.
        let many = [a] + (1..<70).map { Tensor.variable([Double($0)]) } + [a]
        let manyDeferred = try Tensor.sumOfSquares(of: many).backward(deferringTo: many)
        #expect(manyDeferred[0]?.values == [4, -8, 12])
        #expect(manyDeferred[70]?.values == [4, -8, 12])
        #expect(manyDeferred[5]?.values == [10])
    }

    @Test func aNonScalarLossIsRefused() {
        let leaf = Tensor.variable([1, 2])
        #expect(throws: TensorError.self) { try leaf.backward(deferringTo: [leaf]) }
    }

    /// Bit patterns, so that NaNs compare and zeros keep their sign.
    static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }
}
