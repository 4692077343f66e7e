import Autodiff
import Testing

@Suite("Elementwise arithmetic")
struct ArithmeticTests {
    let a = Tensor([1, 2, 3, 4])
    let b = Tensor([2, 4, 8, 16])

    @Test func tensorWithTensor() throws {
        #expect(try (a + b).values == [3, 6, 11, 20])
        #expect(try (a - b).values == [-1, -2, -5, -12])
        #expect(try (a * b).values == [2, 8, 24, 64])
        #expect(try (b / a).values == [2, 2, 8 / 3, 4])
        #expect((-a).values == [-1, -2, -3, -4])
    }

    @Test func tensorWithConstant() {
        #expect((a + 1).values == [2, 3, 4, 5])
        #expect((1 + a).values == [2, 3, 4, 5])
        #expect((a - 1).values == [0, 1, 2, 3])
        #expect((1 - a).values == [0, -1, -2, -3])
        #expect((a * 2).values == [2, 4, 6, 8])
        #expect((2 * a).values == [2, 4, 6, 8])
        #expect((a / 2).values == [0.5, 1, 1.5, 2])
        #expect((12 / a).values == [12, 6, 4, 3])
        #expect((a + 1).shape == [4])
    }

    @Test func oneElementSideBroadcasts() throws {
        let matrix = try Tensor([1, 2, 3, 4], shape: [2, 2])
        let scalar = Tensor(scalar: 10)
        let single = try Tensor([2], shape: [1, 1])

        let sum = try matrix + scalar
        #expect(sum.shape == [2, 2])
        #expect(sum.values == [11, 12, 13, 14])

        let difference = try scalar - matrix
        #expect(difference.shape == [2, 2])
        #expect(difference.values == [9, 8, 7, 6])

        let product = try single * matrix
        #expect(product.shape == [2, 2])
        #expect(product.values == [2, 4, 6, 8])

        let quotient = try matrix / single
        #expect(quotient.values == [0.5, 1, 1.5, 2])

        let both = try Tensor([3], shape: [1]) + scalar
        #expect(both.shape == [1])
        #expect(both.values == [13])
    }

    @Test func broadcastGradientIsSummed() throws {
        let x = Tensor.variable([1, 2, 3])
        let s = try Tensor.variable([2], shape: [])
        let gradients = try (x * s).sum().backward()
        #expect(try #require(gradients[s]).values == [6])
        #expect(try #require(gradients[s]).shape == [])
        #expect(try #require(gradients[x]).values == [2, 2, 2])
    }

    @Test func mismatchedShapesThrow() throws {
        let matrix = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let vector = Tensor([1, 2, 3])
        #expect(throws: TensorError.shapeMismatch(operation: "add", lhs: [2, 3], rhs: [3])) {
            try matrix + vector
        }
        #expect(throws: TensorError.shapeMismatch(operation: "subtract", lhs: [3], rhs: [2, 3])) {
            try vector - matrix
        }
        #expect(throws: TensorError.shapeMismatch(operation: "multiply", lhs: [2], rhs: [3])) {
            try Tensor([1, 2]) * vector
        }
        #expect(throws: TensorError.shapeMismatch(operation: "divide", lhs: [3, 2], rhs: [2, 3])) {
            try matrix.reshaped([3, 2]) / matrix
        }
        #expect(throws: TensorError.shapeMismatch(operation: "add", lhs: [0], rhs: [2])) {
            try Tensor([]) + Tensor([1, 2])
        }
    }

    @Test func constantsStayConstant() throws {
        let result = try (a * b + 1).log().sum()
        #expect(!result.requiresGrad)
    }
}
