import Autodiff
import Testing
import TinkerWire
@testable import TrainingClient

/// The recycled weight rows: a row is written in place only once nobody else holds it, so
/// weights a backend kept from one call never change in a later one.
@Suite("Weight row pool")
struct WeightRowPoolTests {
    @Test func aRowStillHeldIsCopiedBeforeItIsWrittenAgain() {
        let pool = WeightRowPool(capacity: 1_000)
        var first = pool.take(count: 4)
        first.withUnsafeMutableBufferPointer { $0.update(repeating: 1) }
        pool.keep(first)
        let held = first
        var again = pool.take(count: 4)
        again.withUnsafeMutableBufferPointer { $0.update(repeating: 2) }
        #expect(held == [1, 1, 1, 1])
        #expect(again == [2, 2, 2, 2])
    }

    @Test func aReleasedRowIsWrittenInPlace() {
        let pool = WeightRowPool(capacity: 1_000)
        var row = pool.take(count: 3)
        let address = row.withUnsafeMutableBufferPointer { $0.baseAddress }
        pool.keep(row)
        row = []
        var again = pool.take(count: 3)
        #expect(again.withUnsafeMutableBufferPointer { $0.baseAddress } == address)
    }

    @Test func rowsTakenTogetherAreAllRecycledTogether() {
        let pool = WeightRowPool(capacity: 1_000)
        var rows = pool.take(counts: [3, 3, 2])
        let addresses = rows.indices.map { index in rows[index].withUnsafeMutableBufferPointer { $0.baseAddress } }
        pool.keep(rows)
        rows = []
        var again = pool.take(counts: [3, 3, 2])
        #expect(again.indices.map { index in again[index].withUnsafeMutableBufferPointer { $0.baseAddress } } == addresses)
    }

    /// Through the client: a call of several datums of one size keeps every row it wrote,
    /// rather than taking back a row it has just kept for an earlier datum (which it still
    /// holds, so writing it would copy it) and keeping only the last copy. (A size no other
    /// test uses, since the pool is shared.)
    @Test func aCallKeepsARowForEveryDatum() async throws {
        let count = 1_031
        let logprobs = (0..<3).map { datum in (0..<count).map { -Double($0 % 7 + datum) / 8 - 0.125 } }
        let lossFn = LossFunction.sync { _, logprobs in LossOutput(loss: try Tensor.sumOfSquares(of: logprobs)) }
        let harness = FixedHarness(logprobs: logprobs)
        _ = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: lossFn, regularizers: [Regularizer(name: "squares", weight: 0.5, fn: lossFn)])
        let sent = try await harness.sentWeights()
        let kept = WeightRowPool.shared.take(counts: [count, count, count])
        // A row the pool did not have comes back new, all zeros.
        #expect(Set(kept) == Set(sent))
    }

    @Test func rowsBeyondTheCapacityAreNotKept() {
        let pool = WeightRowPool(capacity: 5)
        pool.keep([1, 2, 3])
        pool.keep([4, 5, 6])
        #expect(pool.take(count: 3) == [1, 2, 3])
        #expect(pool.take(count: 3) == [0, 0, 0])
        pool.keep([Double](repeating: 7, count: 6))
        #expect(pool.take(count: 6) == [Double](repeating: 0, count: 6))
    }

    /// Through the client: the weights a backend recorded stay as they were sent while later
    /// calls of the same shapes compose theirs, and every call's weights are its own.
    @Test func weightsAKeptRequestHoldsNeverChange() async throws {
        let first = FixedHarness(logprobs: [[-0.5, -1.25, -2], [-3, -0.75]])
        let second = FixedHarness(logprobs: [[-4, -0.125, -1], [-0.25, -6]])
        let lossFn = LossFunction.sync { _, logprobs in LossOutput(loss: try Tensor.sumOfSquares(of: logprobs)) }
        let regularizer = Regularizer(name: "sum", weight: 0.5, fn: .sync { _, logprobs in
            LossOutput(loss: try Tensor.concatenate(logprobs.map { $0.flattened() }).sum())
        })
        _ = try await first.client.forwardBackwardCustom(first.data, lossFn: lossFn, regularizers: [regularizer])
        let sentFirst = try await first.sentWeights()
        let expectedFirst: [[Double]] = [[-0.5, -1.25, -2], [-3, -0.75]].map { $0.map { -(2 * $0 + 0.5) } }
        #expect(sentFirst == expectedFirst)
        for _ in 0..<3 {
            _ = try await second.client.forwardBackwardCustom(second.data, lossFn: lossFn, regularizers: [regularizer])
        }
        #expect(try await first.sentWeights() == expectedFirst)
        let backward = await second.backend.forwardBackwardRequests
        let expectedSecond: [[Double]] = [[-4, -0.125, -1], [-0.25, -6]].map { $0.map { -(2 * $0 + 0.5) } }
        for request in backward {
            #expect(request.data.map { $0.lossFnInputs["weights"]?.data ?? [] } == expectedSecond)
        }
    }
}
