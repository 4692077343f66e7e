import Autodiff
import Foundation
import Testing

@Suite("Elementwise functions and reductions")
struct MathTests {
    let x = Tensor([0.5, 1, 2])

    @Test func elementwiseValues() {
        #expect(isClose(x.exp().values, [Foundation.exp(0.5), Foundation.exp(1), Foundation.exp(2)]))
        #expect(isClose(x.log().values, [Foundation.log(0.5), 0, Foundation.log(2)]))
        #expect(x.square().values == [0.25, 1, 4])
        #expect(isClose(x.pow(3).values, [0.125, 1, 8]))
        #expect(isClose(x.pow(-1).values, [2, 1, 0.5]))
        #expect(isClose(x.sqrt().values, [(0.5).squareRoot(), 1, (2.0).squareRoot()]))
        #expect(x.exp().shape == [3])
    }

    @Test func logOfNonPositiveFollowsIEEE() {
        let result = Tensor([0, -1]).log().values
        #expect(result[0] == -.infinity)
        #expect(result[1].isNaN)
    }

    @Test func logSigmoidIsStable() {
        let input = Tensor([-1000, -2, 0, 2, 1000])
        let values = input.logSigmoid().values
        let inputs: [Double] = [-1000, -2, 0, 2, 1000]
        let reference = inputs.map { x in -Foundation.log(1 + Foundation.exp(-x)) }
        #expect(isClose(Array(values[1...3]), Array(reference[1...3])))
        #expect(isClose([values[0]], [-1000]))
        #expect(values[4] == 0)
        #expect(values.allSatisfy { $0.isFinite })
    }

    @Test func logSigmoidGradientIsSigmoidOfNegative() throws {
        let input = Tensor.variable([-1000, -1, 0, 1, 1000])
        let gradient = try #require(try input.logSigmoid().sum().backward()[input])
        let inputs: [Double] = [-1000, -1, 0, 1, 1000]
        let expected = inputs.map { x in 1 / (1 + Foundation.exp(x)) }
        #expect(isClose(gradient.values, expected))
    }

    @Test func reductions() throws {
        let matrix = try Tensor([1, 2, 3, 4], shape: [2, 2])
        #expect(matrix.sum().shape == [])
        #expect(try matrix.sum().item() == 10)
        #expect(try matrix.mean().item() == 2.5)
        #expect(matrix.mean().shape == [])
        #expect(try Tensor([]).mean().item().isNaN)
        #expect(try Tensor([]).sum().item() == 0)
    }

    @Test func powZeroHasZeroGradientAtZero() throws {
        let input = Tensor.variable([0, 2])
        let gradient = try #require(try input.pow(0).sum().backward()[input])
        #expect(gradient.values == [0, 0])
    }

    @Test func reshapeAndFlatten() throws {
        let matrix = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(try matrix.reshaped([3, 2]).shape == [3, 2])
        #expect(try matrix.reshaped([-1]).shape == [6])
        #expect(try matrix.reshaped([3, -1]).shape == [3, 2])
        #expect(try matrix.reshaped([6]).values == matrix.values)
        #expect(matrix.flattened().shape == [6])
        #expect(Tensor(scalar: 1).flattened().shape == [1])
        #expect(try Tensor(scalar: 1).reshaped([1, 1]).shape == [1, 1])
        #expect(throws: TensorError.invalidShape([4], count: 6)) { try matrix.reshaped([4]) }
        #expect(throws: TensorError.invalidShape([4, -1], count: 6)) { try matrix.reshaped([4, -1]) }
        #expect(throws: TensorError.invalidShape([-1, -1], count: 6)) { try matrix.reshaped([-1, -1]) }
        #expect(throws: TensorError.invalidShape([-2, -3], count: 6)) { try matrix.reshaped([-2, -3]) }
    }
}
