import Synchronization

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
        var edges: [Edge] = []
        edges.reserveCapacity(tensors.count)
        for tensor in tensors {
            guard let node = tensor.node else { continue }
            let x = tensor.values
            edges.append(Edge(node: node, pullback: { g in
                let scale = g[0]
                return .dense(Kernel.map(x) { 2 * $0 * scale })
            }, accumulate: { g, scale, buffer, offset in
                let factor = g[0]
                Kernel.add(x, from: offset, scaledBy: scale, into: buffer) { 2 * $0 * factor }
            }))
        }
        return result([total.total], shape: [], edges: edges)
    }

    /// `0 - dot(tensors[0], constants[0]) - dot(tensors[1], constants[1]) - ...`, shape `[]`:
    /// a weighted NLL `-sum(w * lp)` over a batch in one node.
    ///
    /// Bit for bit the per-datum chain `total = total - tensors[i].dot(constants[i])` from
    /// `Tensor(scalar: 0)`: each dot sums in `LaneSum` order on its own and is subtracted in
    /// list order, and each tensor's gradient is `constants[i] * -g`, as the chain's
    /// subtraction hands `-g` to the dot. The chain makes two nodes and their closures per
    /// datum; this makes one node for the batch. Gradients flow to `tensors` only:
    /// `constants` are read as values, as `detached()` tensors would be.
    ///
    /// Throws `TensorError.shapeMismatch` when a tensor and its constant differ in element
    /// count or the lists differ in length.
    public static func negatedSumOfDots(of tensors: [Tensor], with constants: [Tensor]) throws -> Tensor {
        guard tensors.count == constants.count else {
            throw TensorError.shapeMismatch(operation: "dot", lhs: [tensors.count], rhs: [constants.count])
        }
        var total = 0.0
        var edges: [Edge] = []
        edges.reserveCapacity(tensors.count)
        for (tensor, constant) in zip(tensors, constants) {
            guard tensor.scalarCount == constant.scalarCount else {
                throw TensorError.shapeMismatch(operation: "dot", lhs: tensor.shape, rhs: constant.shape)
            }
            let c = constant.values
            total = total - Kernel.dot(tensor.values, c)
            guard let node = tensor.node else { continue }
            // Each closure captures the one array, so neither needs a context of its own.
            edges.append(Edge(node: node, pullback: { g in
                let factor = -g[0]
                return .dense(Kernel.map(c) { $0 * factor })
            }, accumulate: { g, scale, buffer, offset in
                let factor = -g[0]
                Kernel.add(c, from: offset, scaledBy: scale, into: buffer) { $0 * factor }
            }))
        }
        return result([total], shape: [], edges: edges)
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
        var edges: [Edge] = []
        edges.reserveCapacity(tensors.count)
        for tensor in tensors {
            guard let node = tensor.node else { continue }
            // Both closures capture the one object, so neither needs a context of its own.
            let term = CenteredTerm(values: tensor.values, mean: mean, scale: scale)
            edges.append(Edge(node: node, pullback: { g in
                let factor = 2 * g[0] * term.scale
                let mean = term.mean
                return .dense(Kernel.map(term.values) { ($0 - mean) * factor })
            }, accumulate: { g, weight, buffer, offset in
                let factor = 2 * g[0] * term.scale
                let mean = term.mean
                Kernel.add(term.values, from: offset, scaledBy: weight, into: buffer) { ($0 - mean) * factor }
            }))
        }
        return result([squares.total * scale], shape: [], edges: edges)
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
            func store(into out: UnsafeMutableBufferPointer<Double>) {
                x.withUnsafeBufferPointer { px in
                    c.withUnsafeBufferPointer { pc in
                        total.add(count: count) { i in
                            let (value, derivative) = f(px[i], pc[i])
                            out[i] = derivative
                            return value
                        }
                    }
                }
            }
            // An array a graph of an earlier call let go of, written in place, when there is one.
            if var recycled = ScratchArrays.shared.take(count: count) {
                recycled.withUnsafeMutableBufferPointer { store(into: $0) }
                derivatives.append(recycled)
            } else {
                derivatives.append([Double](unsafeUninitializedCapacity: count) { out, initialized in
                    store(into: out)
                    initialized = count
                })
            }
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
        var edges: [Edge] = []
        edges.reserveCapacity(tensors.count)
        for ((tensor, constant), derivatives) in zip(zip(tensors, constants), derivatives) {
            guard let derivatives, let node = tensor.node else { continue }
            // Both closures capture the one object, the scale included, so neither needs a
            // context of its own.
            let term = PairedTerm(values: tensor.values, constants: constant.values, derivatives: derivatives, scale: scale, f)
            edges.append(Edge(node: node, pullback: { g in
                let factor = g[0] * term.scale
                // A second backward() through this node finds the array taken and recomputes it.
                guard var gradient = term.take() else {
                    let f = term.f
                    return .dense(Kernel.zip(term.values, term.constants, count: term.values.count) { f($0, $1).derivative * factor })
                }
                gradient.withUnsafeMutableBufferPointer { pg in
                    for i in 0..<pg.count { pg[i] *= factor }
                }
                return .dense(gradient)
            }, accumulate: { g, weight, buffer, offset in
                let factor = g[0] * term.scale
                guard let derivatives = term.peek() else {
                    let f = term.f
                    Kernel.add(term.values, term.constants, from: offset, scaledBy: weight, into: buffer) { f($0, $1).derivative * factor }
                    return
                }
                Kernel.add(derivatives, from: offset, scaledBy: weight, into: buffer) { $0 * factor }
            }))
        }
        return result([total * scale], shape: [], edges: edges)
    }
}

/// What the pullbacks of one tensor of `variance(of:)` read, in one object.
private final class CenteredTerm: Sendable {
    let values: [Double]
    let mean: Double
    let scale: Double

    init(values: [Double], mean: Double, scale: Double) {
        self.values = values
        self.mean = mean
        self.scale = scale
    }
}

/// What the pullbacks of one tensor of `mean(of:against:_:)` read, in one object: its values,
/// its constants, `f`, the mean's `1 / count`, and the derivatives stored going forward, which
/// one pullback can take over, as `HandOff` holds them.
private final class PairedTerm: Sendable {
    let values: [Double]
    let constants: [Double]
    let scale: Double
    let f: @Sendable (Double, Double) -> (value: Double, derivative: Double)
    private let derivatives: Mutex<[Double]?>

    init(
        values: [Double], constants: [Double], derivatives: [Double], scale: Double,
        _ f: @escaping @Sendable (Double, Double) -> (value: Double, derivative: Double)
    ) {
        self.values = values
        self.constants = constants
        self.scale = scale
        self.f = f
        self.derivatives = Mutex(derivatives)
    }

    /// The stored derivatives if no pullback has taken them, leaving them in place.
    func peek() -> [Double]? {
        derivatives.withLock { $0 }
    }

    /// The stored derivatives, the first time only.
    func take() -> [Double]? {
        derivatives.withLock { stored in
            defer { stored = nil }
            return stored
        }
    }

    /// Stored derivatives no pullback took go back for a later forward pass to write.
    deinit {
        if let stored = derivatives.withLock({ $0 }) {
            ScratchArrays.shared.give(stored)
        }
    }
}
