import Autodiff
import Testing

@Suite("Indexing, slicing, stack and concatenate")
struct IndexingTests {
    func matrix() throws -> Tensor {
        try Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
    }

    @Test func indexSelectsAlongFirstAxis() throws {
        let m = try matrix()
        let row = try m[1]
        #expect(row.shape == [2])
        #expect(row.values == [3, 4])
        let element = try row[0]
        #expect(element.shape == [])
        #expect(try element.item() == 3)
    }

    @Test func sliceKeepsFirstAxis() throws {
        let m = try matrix()
        let rows = try m[1..<3]
        #expect(rows.shape == [2, 2])
        #expect(rows.values == [3, 4, 5, 6])
        let none = try m[2..<2]
        #expect(none.shape == [0, 2])
        #expect(none.values.isEmpty)
        #expect(try Tensor([1, 2, 3])[0..<3].values == [1, 2, 3])
    }

    @Test func badIndicesThrow() throws {
        let m = try matrix()
        #expect(throws: TensorError.indexOutOfRange(index: 3, count: 3)) { try m[3] }
        #expect(throws: TensorError.indexOutOfRange(index: -1, count: 3)) { try m[-1] }
        #expect(throws: TensorError.zeroDimensional(operation: "index")) { try Tensor(scalar: 1)[0] }
        #expect(throws: TensorError.zeroDimensional(operation: "slice")) { try Tensor(scalar: 1)[0..<1] }
        #expect(throws: TensorError.rangeOutOfBounds(lower: 1, upper: 4, count: 3)) { try m[1..<4] }
        #expect(throws: TensorError.rangeOutOfBounds(lower: -1, upper: 2, count: 3)) { try m[-1..<2] }
    }

    @Test func indexGradientLandsOnSelectedRow() throws {
        let x = try Tensor.variable([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let loss = try (x[1] * Tensor([10, 20])).sum()
        let gradient = try #require(try loss.backward()[x])
        #expect(gradient.shape == [3, 2])
        #expect(gradient.values == [0, 0, 10, 20, 0, 0])
    }

    @Test func rowsSelectedSeveralTimesAccumulate() throws {
        let x = try Tensor.variable([1, 2, 3, 4], shape: [2, 2])
        let loss = try (x[0].sum() + x[0].sum() * 3 + x[0..<2][1].square().sum())
        let gradient = try #require(try loss.backward()[x])
        #expect(gradient.values == [4, 4, 6, 8])
    }

    @Test func stackAddsFirstAxis() throws {
        let stacked = try Tensor.stack([Tensor([1, 2]), Tensor([3, 4]), Tensor([5, 6])])
        #expect(stacked.shape == [3, 2])
        #expect(stacked.values == [1, 2, 3, 4, 5, 6])
        let scalars = try Tensor.stack([Tensor(scalar: 1), Tensor(scalar: 2)])
        #expect(scalars.shape == [2])
        #expect(scalars.values == [1, 2])
    }

    @Test func concatenateJoinsFirstAxis() throws {
        let joined = try Tensor.concatenate([matrix(), Tensor([7, 8], shape: [1, 2])])
        #expect(joined.shape == [4, 2])
        #expect(joined.values == [1, 2, 3, 4, 5, 6, 7, 8])
        let vectors = try Tensor.concatenate([Tensor([1]), Tensor([]), Tensor([2, 3])])
        #expect(vectors.shape == [3])
        #expect(vectors.values == [1, 2, 3])
    }

    @Test func joiningErrors() throws {
        #expect(throws: TensorError.emptyInput(operation: "stack")) { try Tensor.stack([]) }
        #expect(throws: TensorError.emptyInput(operation: "concatenate")) { try Tensor.concatenate([]) }
        #expect(throws: TensorError.shapeMismatch(operation: "stack", lhs: [2], rhs: [3])) {
            try Tensor.stack([Tensor([1, 2]), Tensor([1, 2, 3])])
        }
        #expect(throws: TensorError.zeroDimensional(operation: "concatenate")) {
            try Tensor.concatenate([Tensor([1]), Tensor(scalar: 2)])
        }
        #expect(throws: TensorError.shapeMismatch(operation: "concatenate", lhs: [3, 2], rhs: [1, 3])) {
            try Tensor.concatenate([matrix(), Tensor([1, 2, 3], shape: [1, 3])])
        }
    }

    @Test func joiningGradientsSplitBack() throws {
        let a = Tensor.variable([1, 2])
        let b = Tensor.variable([3, 4])
        let constant = Tensor([5, 6])
        let weights = try Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        let stacked = try Tensor.stack([a, constant, b])
        let gradients = try (stacked * weights).sum().backward()
        #expect(try #require(gradients[a]).values == [1, 2])
        #expect(try #require(gradients[b]).values == [5, 6])

        let joined = try Tensor.concatenate([a, constant, b])
        let joinedGradients = try (joined.square()).sum().backward()
        #expect(try #require(joinedGradients[a]).values == [2, 4])
        #expect(try #require(joinedGradients[b]).values == [6, 8])
    }
}
