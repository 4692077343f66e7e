import Autodiff
import Testing

/// Reverse-mode gradients compared with central finite differences.
@Suite("Gradient checks against finite differences")
struct GradientCheckTests {
    let x = Tensor([0.3, -1.2, 2.5, 0.8])
    let y = Tensor([1.5, 0.7, -0.4, 2.2])
    let positive = Tensor([0.3, 1.2, 2.5, 0.8])

    @Test func binaryOperators() throws {
        try FiniteDifference.expectMatch([x, y]) { try ($0[0] + $0[1]).square().sum() }
        try FiniteDifference.expectMatch([x, y]) { try ($0[0] - $0[1]).square().sum() }
        try FiniteDifference.expectMatch([x, y]) { try ($0[0] * $0[1]).sum() }
        try FiniteDifference.expectMatch([x, y]) { try ($0[0] / $0[1]).sum() }
    }

    @Test func broadcastingOperators() throws {
        let s = Tensor(scalar: 1.7)
        try FiniteDifference.expectMatch([x, s]) { try ($0[0] + $0[1]).square().sum() }
        try FiniteDifference.expectMatch([s, x]) { try ($0[0] - $0[1]).square().sum() }
        try FiniteDifference.expectMatch([x, s]) { try ($0[0] * $0[1]).square().sum() }
        try FiniteDifference.expectMatch([x, s]) { try ($0[0] / $0[1]).square().sum() }
        try FiniteDifference.expectMatch([s, x]) { try ($0[0] / $0[1]).sum() }
    }

    @Test func constantOperators() throws {
        try FiniteDifference.expectMatch([x]) { ($0[0] + 2).square().sum() }
        try FiniteDifference.expectMatch([x]) { (2 + $0[0]).square().sum() }
        try FiniteDifference.expectMatch([x]) { ($0[0] - 2).square().sum() }
        try FiniteDifference.expectMatch([x]) { (2 - $0[0]).square().sum() }
        try FiniteDifference.expectMatch([x]) { ($0[0] * 3).square().sum() }
        try FiniteDifference.expectMatch([x]) { (3 * $0[0]).square().sum() }
        try FiniteDifference.expectMatch([x]) { ($0[0] / 3).square().sum() }
        try FiniteDifference.expectMatch([y]) { (3 / $0[0]).sum() }
        try FiniteDifference.expectMatch([x]) { (-$0[0]).square().sum() }
    }

    @Test func unaryFunctions() throws {
        try FiniteDifference.expectMatch([x]) { $0[0].exp().sum() }
        try FiniteDifference.expectMatch([positive]) { $0[0].log().sum() }
        try FiniteDifference.expectMatch([x]) { $0[0].square().sum() }
        try FiniteDifference.expectMatch([positive]) { $0[0].pow(2.5).sum() }
        try FiniteDifference.expectMatch([x]) { $0[0].pow(3).sum() }
        try FiniteDifference.expectMatch([positive]) { $0[0].pow(-1.5).sum() }
        try FiniteDifference.expectMatch([positive]) { $0[0].sqrt().sum() }
        try FiniteDifference.expectMatch([Tensor([-30, -2, 0, 0.5, 3, 30])]) { $0[0].logSigmoid().sum() }
    }

    @Test func reductionsAndShapes() throws {
        try FiniteDifference.expectMatch([x]) { $0[0].square().mean() }
        try FiniteDifference.expectMatch([x]) { try ($0[0].reshaped([2, 2]) * Tensor([1, 2, 3, 4], shape: [2, 2])).sum() }
        try FiniteDifference.expectMatch([x]) { try ($0[0].reshaped([2, 2]).flattened() * y).sum() }
    }

    @Test func indexingAndJoining() throws {
        let m = try Tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], shape: [3, 2])
        try FiniteDifference.expectMatch([m]) { try ($0[0][2] * $0[0][0]).exp().sum() }
        try FiniteDifference.expectMatch([m]) { try $0[0][1..<3].square().sum() }
        try FiniteDifference.expectMatch([x, y]) { try (Tensor.stack([$0[0], $0[1], $0[0]]).square() * 0.5).sum() }
        try FiniteDifference.expectMatch([x, m]) {
            try (Tensor.concatenate([$0[0].reshaped([2, 2]), $0[1]]) * Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], shape: [5, 2]))
                .square().sum()
        }
    }

    @Test func dpoLikeLoss() throws {
        // Rows: policy chosen, policy rejected, reference chosen, reference rejected.
        let logps = try Tensor(
            [-0.5, -1.2, -0.3, -2.0, -0.7, -1.1,
             -0.9, -0.4, -1.6, -0.2, -1.3, -0.8,
             -0.6, -1.0, -0.5, -1.8, -0.9, -1.0,
             -1.0, -0.6, -1.4, -0.3, -1.1, -0.7],
            shape: [4, 2, 3])
        let beta = 0.1
        try FiniteDifference.expectMatch([logps]) { inputs in
            let batch = inputs[0]
            let perSequence = try Tensor.stack((0..<4).flatMap { row in
                try (0..<2).map { sample in try batch[row][sample].sum() }
            })
            let rows = try perSequence.reshaped([4, 2])
            let chosen = try rows[0]
            let rejected = try rows[1]
            let referenceChosen = try rows[2..<3].flattened()
            let referenceRejected = try rows[3..<4].flattened()
            let margin = try (chosen - referenceChosen) - (rejected - referenceRejected)
            return (-(beta * margin).logSigmoid()).mean()
        }
    }

    @Test func composedStatistics() throws {
        let m = try Tensor([0.1, -0.4, 0.9, 1.3, -0.2, 0.5], shape: [2, 3])
        // Sum of squares.
        try FiniteDifference.expectMatch([m]) { $0[0].square().sum() }
        // Mean of per-row means.
        try FiniteDifference.expectMatch([m]) { try Tensor.stack([$0[0][0].mean(), $0[0][1].mean()]).mean() }
        // Variance.
        try FiniteDifference.expectMatch([x]) { try ($0[0] - $0[0].mean()).square().mean() }
        // A mix of everything with a leaf used in several places.
        try FiniteDifference.expectMatch([positive, y]) {
            let a = $0[0]
            let b = $0[1]
            return try ((a.log() * b).exp() / (a.sqrt() + 1) - b.pow(2) * a.mean()).logSigmoid().sum()
        }
    }
}
