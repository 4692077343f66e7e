import Synchronization

/// Fused reductions: an elementwise expression and its sum or mean in one pass.
///
/// Written as separate operations, `(w * x).sum()` materializes `w * x` and, on
/// the way back, a gradient array per step. Each fused form reads its inputs
/// once going forward, allocates only the result, and makes exactly one array
/// per input going back: the gradient itself.
extension Tensor {
    /// `(self * other).sum()`: the sum of elementwise products, shape `[]`.
    ///
    /// Throws `TensorError.shapeMismatch` unless both tensors hold the same
    /// number of elements (their shapes may differ, as for a flattened view).
    public func dot(_ other: Tensor) throws -> Tensor {
        guard scalarCount == other.scalarCount else {
            throw TensorError.shapeMismatch(operation: "dot", lhs: shape, rhs: other.shape)
        }
        let a = values
        let b = other.values
        // Pullbacks only for the inputs that take a gradient: a dot with constant weights,
        // as a weighted NLL is, makes no closure for the weights.
        var edges: [Edge] = []
        if let node {
            edges.append(Edge(node: node, pullback: { g in .dense(Kernel.map(b) { $0 * g[0] }) },
                              accumulate: { g, scale, buffer, offset in Kernel.add(b, from: offset, scaledBy: scale, into: buffer) { $0 * g[0] } }))
        }
        if let node = other.node {
            edges.append(Edge(node: node, pullback: { g in .dense(Kernel.map(a) { $0 * g[0] }) },
                              accumulate: { g, scale, buffer, offset in Kernel.add(a, from: offset, scaledBy: scale, into: buffer) { $0 * g[0] } }))
        }
        return Tensor(uncheckedValues: [Kernel.dot(a, b)], shape: [], node: edges.isEmpty ? nil : Node(edges: edges))
    }

    /// `square().sum()`: the sum of squares, shape `[]`.
    public func sumOfSquares() -> Tensor {
        let x = values
        return Tensor.result(
            [Kernel.dot(x, x)], shape: [], input: self,
            pullback: { g in
                let scale = g[0]
                return .dense(Kernel.map(x) { 2 * $0 * scale })
            },
            accumulate: { g, scale, buffer, offset in
                let factor = g[0]
                Kernel.add(x, from: offset, scaledBy: scale, into: buffer) { 2 * $0 * factor }
            })
    }

    /// `(self - mean()).square().mean()`: the population variance, shape `[]`;
    /// NaN for an empty tensor, as its mean is.
    public func variance() -> Tensor {
        let x = values
        // The same roundings as the unfused expression: means multiply by 1 / count.
        let scale = 1 / Double(x.count)
        let mean = Kernel.sum(x) * scale
        let squares = Kernel.sumOfSquaredDeviations(x, from: mean)
        return Tensor.result(
            [squares * scale], shape: [], input: self,
            pullback: { g in
                let factor = 2 * g[0] * scale
                return .dense(Kernel.map(x) { ($0 - mean) * factor })
            },
            accumulate: { g, weight, buffer, offset in
                let factor = 2 * g[0] * scale
                Kernel.add(x, from: offset, scaledBy: weight, into: buffer) { ($0 - mean) * factor }
            })
    }

    /// `f(self).sum()` for an elementwise `f` that returns its value and its
    /// derivative, without materializing `f(self)`; shape `[]`.
    ///
    /// The caller vouches that `derivative` is the derivative of `value`: the
    /// gradient is `derivative(x) * g` for every element. Returning both lets a
    /// function share work between them, as `exp(x) - 1 - x` and `exp(x) - 1` do.
    public func sum(of f: @escaping @Sendable (Double) -> (value: Double, derivative: Double)) -> Tensor {
        mapReduce(f, scale: 1)
    }

    /// `f(self).mean()` for an elementwise `f` that returns its value and its
    /// derivative, without materializing `f(self)`; shape `[]`, NaN for an empty tensor.
    public func mean(of f: @escaping @Sendable (Double) -> (value: Double, derivative: Double)) -> Tensor {
        // As `mean()` does: the sum times 1 / count.
        mapReduce(f, scale: 1 / Double(scalarCount))
    }

    /// `scale * sum(f(x).value)`. When a gradient is needed, the derivatives are
    /// stored in the same forward pass, and the pullback scales that array in
    /// place and hands it back, so backward allocates nothing more.
    private func mapReduce(
        _ f: @escaping @Sendable (Double) -> (value: Double, derivative: Double), scale: Double
    ) -> Tensor {
        let x = values
        guard requiresGrad else {
            return Tensor.result([Kernel.sum(x) { f($0).value } * scale], shape: [], inputs: [])
        }
        var total = LaneSum()
        let derivatives = [Double](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { px in
                total.add(count: px.count) { i in
                    let (value, derivative) = f(px[i])
                    out[i] = derivative
                    return value
                }
            }
            initialized = x.count
        }
        let stored = HandOff(derivatives)
        return Tensor.result(
            [total.total * scale], shape: [], input: self,
            pullback: { g in
                let factor = g[0] * scale
                // A second backward() through this node finds the array taken and recomputes it.
                guard var gradient = stored.take() else {
                    return .dense(Kernel.map(x) { f($0).derivative * factor })
                }
                gradient.withUnsafeMutableBufferPointer { pg in
                    for i in 0..<pg.count { pg[i] *= factor }
                }
                return .dense(gradient)
            },
            accumulate: { g, weight, buffer, offset in
                let factor = g[0] * scale
                guard let derivatives = stored.peek() else {
                    Kernel.add(x, from: offset, scaledBy: weight, into: buffer) { f($0).derivative * factor }
                    return
                }
                Kernel.add(derivatives, from: offset, scaledBy: weight, into: buffer) { $0 * factor }
            })
    }
}

/// An array that one pullback can take over and modify in place: after `take()`
/// the holder no longer references it, so it is uniquely owned.
final class HandOff: Sendable {
    private let storage: Mutex<[Double]?>

    init(_ values: [Double]) {
        storage = Mutex(values)
    }

    /// The array if no pullback has taken it, leaving it in place.
    func peek() -> [Double]? {
        storage.withLock { $0 }
    }

    /// The array, the first time only.
    func take() -> [Double]? {
        storage.withLock { stored in
            defer { stored = nil }
            return stored
        }
    }
}
