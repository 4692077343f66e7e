import Autodiff
import Testing

@Suite("Tensor construction")
struct TensorTests {
    @Test func initializersSetShapeAndValues() throws {
        let matrix = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(matrix.shape == [2, 3])
        #expect(matrix.values == [1, 2, 3, 4, 5, 6])
        #expect(matrix.scalarCount == 6)
        #expect(!matrix.requiresGrad)

        let vector = Tensor([1, 2])
        #expect(vector.shape == [2])

        let scalar = Tensor(scalar: 3)
        #expect(scalar.shape == [])
        #expect(try scalar.item() == 3)

        let empty = try Tensor([], shape: [0, 4])
        #expect(empty.scalarCount == 0)
    }

    @Test func mismatchedOrNegativeShapesThrow() {
        #expect(throws: TensorError.invalidShape([2, 2], count: 3)) {
            try Tensor([1, 2, 3], shape: [2, 2])
        }
        #expect(throws: TensorError.invalidShape([-1, -2], count: 2)) {
            try Tensor([1, 2], shape: [-1, -2])
        }
        #expect(throws: TensorError.invalidShape([3], count: 2)) {
            try Tensor.variable([1, 2], shape: [3])
        }
    }

    @Test func variablesRequireGradAndDetachDropsIt() throws {
        let x = Tensor.variable([1, 2])
        #expect(x.requiresGrad)
        #expect(try Tensor.variable([1], shape: [1, 1]).requiresGrad)
        #expect((x * 2).requiresGrad)
        let detached = x.detached()
        #expect(!detached.requiresGrad)
        #expect(detached.values == x.values)
        #expect(detached.shape == x.shape)
        #expect(!(Tensor([1]) + 1).requiresGrad)
    }

    @Test func itemNeedsExactlyOneElement() throws {
        #expect(try Tensor([7], shape: [1, 1]).item() == 7)
        #expect(throws: TensorError.notScalar(shape: [2])) { try Tensor([1, 2]).item() }
        #expect(throws: TensorError.notScalar(shape: [0])) { try Tensor([]).item() }
    }

    @Test func descriptionShowsShapeValuesAndGrad() {
        let text = Tensor.variable([1, 2]).description
        #expect(text.contains("[2]"))
        #expect(text.contains("1.0, 2.0"))
        #expect(text.contains("requiresGrad"))
        let long = Tensor([Double](repeating: 0, count: 100)).description
        #expect(long.contains("100 total"))
    }

    @Test func errorDescriptionsNameTheProblem() {
        let mismatch = TensorError.shapeMismatch(operation: "add", lhs: [2, 3], rhs: [4]).description
        #expect(mismatch.contains("[2, 3]") && mismatch.contains("[4]") && mismatch.contains("add"))
        let stack = TensorError.shapeMismatch(operation: "stack", lhs: [2], rhs: [3]).description
        #expect(stack.contains("same shape") && stack.contains("[3]"))
        let concatenate = TensorError.shapeMismatch(operation: "concatenate", lhs: [2, 2], rhs: [1, 3]).description
        #expect(concatenate.contains("first dimension") && concatenate.contains("[1, 3]"))
        #expect(TensorError.notScalar(shape: [3]).description.contains("sum()"))
        #expect(TensorError.indexOutOfRange(index: 5, count: 2).description.contains("0..<2"))
        #expect(TensorError.rangeOutOfBounds(lower: 1, upper: 9, count: 3).description.contains("1..<9"))
        #expect(TensorError.invalidShape([2, 2], count: 3).description.contains("[2, 2]"))
        #expect(TensorError.zeroDimensional(operation: "index").description.contains("0-d"))
        #expect(TensorError.emptyInput(operation: "stack").description.contains("stack"))
    }
}
