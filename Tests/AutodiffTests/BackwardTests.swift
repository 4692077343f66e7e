import Autodiff
import Testing

@Suite("Backward semantics")
struct BackwardTests {
    @Test func unreachedLeafGivesNil() throws {
        let used = Tensor.variable([1, 2])
        let unused = Tensor.variable([3, 4])
        let gradients = try used.square().sum().backward()
        #expect(gradients[used] != nil)
        #expect(gradients[unused] == nil)
        #expect(gradients[used.detached()] == nil)
        #expect(gradients[Tensor([1, 2])] == nil)
    }

    @Test func identicalValuesAreDistinctLeaves() throws {
        let a = Tensor.variable([1])
        let b = Tensor.variable([1])
        let gradients = try (a * 5).sum().backward()
        #expect(try #require(gradients[a]).values == [5])
        #expect(gradients[b] == nil)
    }

    @Test func constantLossReachesNoLeaf() throws {
        let leaf = Tensor.variable([1, 2])
        let loss = (Tensor([1, 2]) * 3).sum()
        let gradients = try loss.backward()
        #expect(gradients[leaf] == nil)
        let detachedLoss = try leaf.detached().sum().backward()
        #expect(detachedLoss[leaf] == nil)
    }

    @Test func leafUsedTwiceAccumulates() throws {
        let x = Tensor.variable([3])
        let gradients = try (x * x + x).sum().backward()
        #expect(try #require(gradients[x]).values == [7])
    }

    @Test func pathsThroughZeroStillReachLeaf() throws {
        let x = Tensor.variable([1, 2, 3])
        let gradients = try (x * 0).sum().backward()
        let gradient = try #require(gradients[x])
        #expect(gradient.values == [0, 0, 0])
        #expect(gradient.shape == [3])
        #expect(!gradient.requiresGrad)
    }

    @Test func gradientKeepsLeafShape() throws {
        let x = try Tensor.variable([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let gradient = try #require(try x.mean().backward()[x])
        #expect(gradient.shape == [2, 3])
        #expect(isClose(gradient.values, [Double](repeating: 1.0 / 6, count: 6)))
    }

    @Test func backwardNeedsOneElement() throws {
        let x = Tensor.variable([1, 2])
        #expect(throws: TensorError.notScalar(shape: [2])) { try x.backward() }
        #expect(throws: TensorError.notScalar(shape: [0])) { try Tensor.variable([]).backward() }
        let single = try Tensor.variable([4], shape: [1, 1])
        #expect(try #require(try single.backward()[single]).values == [1])
    }

    @Test func longChainDoesNotOverflowTheStack() throws {
        let leaf = Tensor.variable([0.5])
        var x = leaf
        for _ in 0..<200_000 {
            x = x + 1
        }
        #expect(isClose(x.values, [200_000.5]))
        let gradient = try #require(try x.sum().backward()[leaf])
        #expect(gradient.values == [1])
    }

    @Test func longChainWithShallowBranchesIsReleasedWithoutOverflow() throws {
        // Each step hangs a shallow branch off the deep chain: the chain's nodes are released
        // one by one, each branch the default, recursive way.
        let leaf = Tensor.variable([1])
        var x = leaf
        for step in 0..<100_000 {
            x = try x + (leaf * Double(step % 3)).exp().sum()
        }
        let gradients = try x.backward()
        #expect(try #require(gradients[leaf]).values[0] > 1)
    }

    @Test func longChainWithSharedLeafAccumulates() throws {
        let leaf = Tensor.variable([1])
        let step = Tensor.variable([2])
        var x = leaf
        for _ in 0..<100_000 {
            x = try x + step
        }
        let gradients = try x.backward()
        #expect(try #require(gradients[leaf]).values == [1])
        #expect(try #require(gradients[step]).values == [100_000])
    }

    @Test func concurrentLossesAreIndependent() async throws {
        let shared = Tensor.variable([1, 2, 3])
        let results = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for scale in 1...8 {
                group.addTask {
                    let loss = (shared * Double(scale)).square().sum()
                    let gradient = try loss.backward()[shared]
                    return (scale, gradient?.values ?? [])
                }
            }
            var collected: [Int: [Double]] = [:]
            for try await (scale, values) in group {
                collected[scale] = values
            }
            return collected
        }
        for scale in 1...8 {
            let s = Double(scale)
            #expect(results[scale] == [2 * s * s, 4 * s * s, 6 * s * s])
        }
    }

    @Test func batchSizedGraphIsFast() throws {
        let rows = 64
        let columns = 4096
        let batch = try Tensor.variable(
            (0..<(rows * columns)).map { Double($0 % 97) / 97 - 0.5 }, shape: [rows, columns])
        let perRow = try Tensor.stack((0..<rows).map { try batch[$0].logSigmoid().mean() })
        let loss = try (perRow - perRow.mean()).square().mean()
        let gradient = try #require(try loss.backward()[batch])
        #expect(gradient.shape == [rows, columns])
        #expect(gradient.values.allSatisfy { $0.isFinite })
    }
}
