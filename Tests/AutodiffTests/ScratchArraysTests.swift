@testable import Autodiff
import Testing

/// The derivative arrays `mean(of:against:_:)` stores are recycled once its graph is gone, so
/// that a call's 2 MB of them are not freed and faulted in again on every call.
@Suite("Scratch arrays")
struct ScratchArraysTests {
    @Test func aDroppedGraphGivesItsDerivativesBack() throws {
        // A size no other test uses, since the arrays are shared.
        let count = 1_033
        let values = (0..<count).map { Double($0) / 1_000 }
        do {
            let leaf = Tensor.variable(values)
            let loss = try Tensor.mean(of: [leaf], against: [Tensor(values.map { $0 + 0.5 })]) { x, c in (x * c, c) }
            #expect(try loss.item().isFinite)
        }
        let recycled = try #require(ScratchArrays.shared.take(count: count))
        #expect(recycled == values.map { $0 + 0.5 })
    }

    @Test func aTakenArrayIsWrittenWhereItWas() {
        let scratch = ScratchArrays(capacity: 100)
        var array = [Double](repeating: 1, count: 10)
        let address = array.withUnsafeMutableBufferPointer { $0.baseAddress }
        scratch.give(array)
        array = []
        var again = scratch.take(count: 10) ?? []
        #expect(again.withUnsafeMutableBufferPointer { $0.baseAddress } == address)
        #expect(scratch.take(count: 10) == nil)
    }
}
