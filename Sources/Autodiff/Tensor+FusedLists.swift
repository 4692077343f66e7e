/// Fused reductions over a list of tensors, as if they were concatenated.
///
/// `Tensor.concatenate(xs.map { $0.flattened() }).sumOfSquares()` copies every
/// input into one array going forward and the gradient back out into one array
/// per input. These read each input where it is, sum in the same order with the
/// same `LaneSum` lanes (so the value is bit for bit the same), and hand each input its
/// own gradient array directly.
extension Tensor {
    /// The sum of squares of every element of every tensor, shape `[]`.
    ///
    /// Throws `TensorError.emptyInput` for an empty list.
    public static func sumOfSquares(of tensors: [Tensor]) throws -> Tensor {
        guard !tensors.isEmpty else { throw TensorError.emptyInput(operation: "sumOfSquares") }
        var total = LaneSum()
        for tensor in tensors { Kernel.dot(tensor.values, tensor.values, into: &total) }
        let inputs: [(tensor: Tensor, pullback: Pullback, accumulate: Accumulate?)] = tensors.map { tensor in
            let x = tensor.values
            return (tensor, { g in
                let scale = g[0]
                return .dense(Kernel.map(x) { 2 * $0 * scale })
            }, { g, scale, buffer in
                let factor = g[0]
                Kernel.add(x, scaledBy: scale, into: buffer) { 2 * $0 * factor }
            })
        }
        return result([total.total], shape: [], fusedInputs: inputs)
    }

    /// The population variance of every element of every tensor, shape `[]`;
    /// NaN when they hold no element.
    ///
    /// Throws `TensorError.emptyInput` for an empty list.
    public static func variance(of tensors: [Tensor]) throws -> Tensor {
        guard !tensors.isEmpty else { throw TensorError.emptyInput(operation: "variance") }
        let scale = 1 / Double(tensors.reduce(0) { $0 + $1.scalarCount })
        var sum = LaneSum()
        for tensor in tensors { Kernel.sum(tensor.values, into: &sum) }
        let mean = sum.total * scale
        var squares = LaneSum()
        for tensor in tensors { Kernel.sumOfSquaredDeviations(tensor.values, from: mean, into: &squares) }
        let inputs: [(tensor: Tensor, pullback: Pullback, accumulate: Accumulate?)] = tensors.map { tensor in
            let x = tensor.values
            return (tensor, { g in
                let factor = 2 * g[0] * scale
                return .dense(Kernel.map(x) { ($0 - mean) * factor })
            }, { g, weight, buffer in
                let factor = 2 * g[0] * scale
                Kernel.add(x, scaledBy: weight, into: buffer) { ($0 - mean) * factor }
            })
        }
        return result([squares.total * scale], shape: [], fusedInputs: inputs)
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
    /// The forward loop is inlined where it is called, so that `f` is compiled into
    /// it instead of being called through a closure once per element.
    ///
    /// Throws `TensorError.emptyInput` for an empty list and
    /// `TensorError.shapeMismatch` when a tensor and its constant differ in
    /// element count or the lists differ in length.
    @inlinable @inline(__always)
    public static func mean(
        of tensors: [Tensor], against constants: [Tensor],
        _ f: @escaping @Sendable (Double, Double) -> (value: Double, derivative: Double)
    ) throws -> Tensor {
        try checkMeanInputs(tensors, constants)
        var total = LaneSum()
        var derivatives: [[Double]?] = []
        derivatives.reserveCapacity(tensors.count)
        for (tensor, constant) in zip(tensors, constants) {
            let x = tensor.values
            let c = constant.values
            let count = Swift.min(x.count, c.count)
            guard tensor.requiresGrad else {
                x.withUnsafeBufferPointer { px in
                    c.withUnsafeBufferPointer { pc in
                        total.add(count: count) { f(px[$0], pc[$0]).value }
                    }
                }
                derivatives.append(nil)
                continue
            }
            derivatives.append([Double](unsafeUninitializedCapacity: count) { out, initialized in
                x.withUnsafeBufferPointer { px in
                    c.withUnsafeBufferPointer { pc in
                        total.add(count: count) { i in
                            let (value, derivative) = f(px[i], pc[i])
                            out[i] = derivative
                            return value
                        }
                    }
                }
                initialized = count
            })
        }
        return mean(of: tensors, against: constants, total: total.total, derivatives: derivatives, f)
    }

    /// Throws unless `mean(of:against:_:)` can pair every tensor with its constant.
    @usableFromInline
    static func checkMeanInputs(_ tensors: [Tensor], _ constants: [Tensor]) throws {
        guard !tensors.isEmpty else { throw TensorError.emptyInput(operation: "mean") }
        guard tensors.count == constants.count else {
            throw TensorError.shapeMismatch(operation: "mean", lhs: [tensors.count], rhs: [constants.count])
        }
        for (tensor, constant) in zip(tensors, constants) where tensor.scalarCount != constant.scalarCount {
            throw TensorError.shapeMismatch(operation: "mean", lhs: tensor.shape, rhs: constant.shape)
        }
    }

    /// The result of `mean(of:against:_:)` from its forward pass: the sum of the values and
    /// each tensor's derivatives (nil for a tensor that does not require grad).
    @usableFromInline
    static func mean(
        of tensors: [Tensor], against constants: [Tensor], total: Double, derivatives: [[Double]?],
        _ f: @escaping @Sendable (Double, Double) -> (value: Double, derivative: Double)
    ) -> Tensor {
        // As `mean()` does: the sum times 1 / count.
        let scale = 1 / Double(tensors.reduce(0) { $0 + $1.scalarCount })
        var inputs: [(tensor: Tensor, pullback: Pullback, accumulate: Accumulate?)] = []
        for ((tensor, constant), derivatives) in zip(zip(tensors, constants), derivatives) {
            guard let derivatives else { continue }
            let x = tensor.values
            let c = constant.values
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
            }, { g, weight, buffer in
                let factor = g[0] * scale
                guard let derivatives = stored.peek() else {
                    Kernel.add(x, c, scaledBy: weight, into: buffer) { f($0, $1).derivative * factor }
                    return
                }
                Kernel.add(derivatives, scaledBy: weight, into: buffer) { $0 * factor }
            }))
        }
        return result([total * scale], shape: [], fusedInputs: inputs)
    }
}
