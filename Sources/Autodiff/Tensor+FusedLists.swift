/// Fused reductions over a list of tensors, as if they were concatenated.
///
/// `Tensor.concatenate(xs.map { $0.flattened() }).sumOfSquares()` copies every
/// input into one array going forward and the gradient back out into one array
/// per input. These read each input where it is, sum in the same order with one
/// accumulator (so the value is bit for bit the same), and hand each input its
/// own gradient array directly.
extension Tensor {
    /// The sum of squares of every element of every tensor, shape `[]`.
    ///
    /// Throws `TensorError.emptyInput` for an empty list.
    public static func sumOfSquares(of tensors: [Tensor]) throws -> Tensor {
        guard !tensors.isEmpty else { throw TensorError.emptyInput(operation: "sumOfSquares") }
        var total = 0.0
        for tensor in tensors { total = Kernel.dot(tensor.values, tensor.values, startingFrom: total) }
        let inputs: [(tensor: Tensor, pullback: Pullback)] = tensors.map { tensor in
            let x = tensor.values
            return (tensor, { g in
                let scale = g[0]
                return .dense(Kernel.map(x) { 2 * $0 * scale })
            })
        }
        return result([total], shape: [], inputs: inputs)
    }

    /// The population variance of every element of every tensor, shape `[]`;
    /// NaN when they hold no element.
    ///
    /// Throws `TensorError.emptyInput` for an empty list.
    public static func variance(of tensors: [Tensor]) throws -> Tensor {
        guard !tensors.isEmpty else { throw TensorError.emptyInput(operation: "variance") }
        let scale = 1 / Double(tensors.reduce(0) { $0 + $1.scalarCount })
        var sum = 0.0
        for tensor in tensors { sum = Kernel.sum(tensor.values, startingFrom: sum) }
        let mean = sum * scale
        var squares = 0.0
        for tensor in tensors { squares = Kernel.sumOfSquaredDeviations(tensor.values, from: mean, startingFrom: squares) }
        let inputs: [(tensor: Tensor, pullback: Pullback)] = tensors.map { tensor in
            let x = tensor.values
            return (tensor, { g in
                let factor = 2 * g[0] * scale
                return .dense(Kernel.map(x) { ($0 - mean) * factor })
            })
        }
        return result([squares * scale], shape: [], inputs: inputs)
    }

    /// The mean of `f(x, c).value` over the elements `x` of every tensor and the
    /// elements `c` at the same positions of `constants`, shape `[]`; NaN when
    /// they hold no element.
    ///
    /// `f` returns the value and its derivative with respect to `x`; gradients
    /// flow to `tensors` only: `constants` are read as values, as `detached()`
    /// tensors would be. The derivatives are stored in the forward pass and
    /// each pullback scales its array in place and hands it back.
    ///
    /// Throws `TensorError.emptyInput` for an empty list and
    /// `TensorError.shapeMismatch` when a tensor and its constant differ in
    /// element count or the lists differ in length.
    public static func mean(
        of tensors: [Tensor], against constants: [Tensor],
        _ f: @escaping @Sendable (Double, Double) -> (value: Double, derivative: Double)
    ) throws -> Tensor {
        guard !tensors.isEmpty else { throw TensorError.emptyInput(operation: "mean") }
        guard tensors.count == constants.count else {
            throw TensorError.shapeMismatch(operation: "mean", lhs: [tensors.count], rhs: [constants.count])
        }
        for (tensor, constant) in zip(tensors, constants) where tensor.scalarCount != constant.scalarCount {
            throw TensorError.shapeMismatch(operation: "mean", lhs: tensor.shape, rhs: constant.shape)
        }
        // As `mean()` does: the sum times 1 / count.
        let scale = 1 / Double(tensors.reduce(0) { $0 + $1.scalarCount })
        var total = 0.0
        var inputs: [(tensor: Tensor, pullback: Pullback)] = []
        for (tensor, constant) in zip(tensors, constants) {
            let x = tensor.values
            let c = constant.values
            guard tensor.requiresGrad else {
                total = Kernel.sum(x, c, startingFrom: total) { f($0, $1).value }
                continue
            }
            let derivatives = [Double](unsafeUninitializedCapacity: x.count) { out, initialized in
                x.withUnsafeBufferPointer { px in
                    c.withUnsafeBufferPointer { pc in
                        for i in 0..<px.count {
                            let (value, derivative) = f(px[i], pc[i])
                            total += value
                            out[i] = derivative
                        }
                    }
                }
                initialized = x.count
            }
            let stored = HandOff(derivatives)
            inputs.append((tensor, { g in
                let factor = g[0] * scale
                // A second backward() through this node finds the array taken and recomputes it.
                guard var gradient = stored.take() else {
                    return .dense(Kernel.zip(x, c, count: x.count) { f($0, $1).derivative * factor })
                }
                gradient.withUnsafeMutableBufferPointer { pg in
                    for i in 0..<pg.count { pg[i] *= factor }
                }
                return .dense(gradient)
            }))
        }
        return result([total * scale], shape: [], inputs: inputs)
    }
}
