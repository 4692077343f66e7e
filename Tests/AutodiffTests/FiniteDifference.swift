import Autodiff
import Testing

/// Central finite differences, the reference that analytic gradients are checked against.
enum FiniteDifference {
    /// The step used for central differences.
    static let step = 1e-6

    /// Numeric gradients of `function` with respect to each input, by
    /// perturbing one element at a time in constant tensors.
    static func gradients(
        of function: ([Tensor]) throws -> Tensor, at inputs: [Tensor]
    ) throws -> [[Double]] {
        try inputs.indices.map { which in
            try inputs[which].values.indices.map { element in
                func evaluate(_ delta: Double) throws -> Double {
                    var shifted = inputs.map { $0.detached() }
                    var values = inputs[which].values
                    values[element] += delta
                    shifted[which] = try Tensor(values, shape: inputs[which].shape)
                    return try function(shifted).item()
                }
                return (try evaluate(step) - evaluate(-step)) / (2 * step)
            }
        }
    }

    /// Checks that reverse-mode gradients of `function` match central differences
    /// within a relative tolerance.
    static func expectMatch(
        _ inputs: [Tensor],
        tolerance: Double = 1e-6,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ function: ([Tensor]) throws -> Tensor
    ) throws {
        let variables = try inputs.map { try Tensor.variable($0.values, shape: $0.shape) }
        let gradients = try function(variables).backward()
        let numeric = try FiniteDifference.gradients(of: function, at: inputs)
        for (index, variable) in variables.enumerated() {
            let analytic = try #require(gradients[variable], "input \(index) unreached", sourceLocation: sourceLocation)
            #expect(analytic.shape == variable.shape, sourceLocation: sourceLocation)
            for (a, n) in zip(analytic.values, numeric[index]) {
                let scale = max(1, abs(a), abs(n))
                #expect(
                    abs(a - n) <= tolerance * scale,
                    "input \(index): analytic \(a) vs numeric \(n)", sourceLocation: sourceLocation)
            }
        }
    }
}

/// True when both arrays have the same length and agree elementwise within `tolerance`.
func isClose(_ lhs: [Double], _ rhs: [Double], tolerance: Double = 1e-12) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($0), abs($1)) }
}
