/// Elementwise arithmetic.
///
/// Two tensors combine when their shapes are equal or when one of them holds
/// exactly one element, which is then broadcast and takes the other's shape;
/// its gradient is the sum over the broadcast. Mixing a tensor with a `Double`
/// cannot fail, so those overloads do not throw.
extension Tensor {
    /// The result shape and element count of a broadcasting binary operation.
    static func broadcast(_ operation: String, _ lhs: Tensor, _ rhs: Tensor) throws -> (shape: [Int], count: Int) {
        if lhs.shape == rhs.shape || rhs.scalarCount == 1 {
            return (lhs.shape, lhs.scalarCount)
        }
        if lhs.scalarCount == 1 {
            return (rhs.shape, rhs.scalarCount)
        }
        throw TensorError.shapeMismatch(operation: operation, lhs: lhs.shape, rhs: rhs.shape)
    }
}

// MARK: - Tensor with tensor

public func + (lhs: Tensor, rhs: Tensor) throws -> Tensor {
    let (shape, count) = try Tensor.broadcast("add", lhs, rhs)
    let lhsCount = lhs.scalarCount
    let rhsCount = rhs.scalarCount
    return Tensor.result(
        Kernel.zip(lhs.values, rhs.values, count: count, +), shape: shape,
        lhs: lhs, { g in .dense(Kernel.unbroadcast(g, toCount: lhsCount)) },
        rhs: rhs, { g in .dense(Kernel.unbroadcast(g, toCount: rhsCount)) })
}

public func - (lhs: Tensor, rhs: Tensor) throws -> Tensor {
    let (shape, count) = try Tensor.broadcast("subtract", lhs, rhs)
    let lhsCount = lhs.scalarCount
    let rhsCount = rhs.scalarCount
    return Tensor.result(
        Kernel.zip(lhs.values, rhs.values, count: count, -), shape: shape,
        lhs: lhs, { g in .dense(Kernel.unbroadcast(g, toCount: lhsCount)) },
        rhs: rhs, { g in .dense(Kernel.unbroadcast(Kernel.map(g) { -$0 }, toCount: rhsCount)) })
}

public func * (lhs: Tensor, rhs: Tensor) throws -> Tensor {
    let (shape, count) = try Tensor.broadcast("multiply", lhs, rhs)
    let a = lhs.values
    let b = rhs.values
    return Tensor.result(
        Kernel.zip(a, b, count: count, *), shape: shape,
        lhs: lhs, { g in .dense(Kernel.unbroadcast(Kernel.zip(g, b, count: g.count, *), toCount: a.count)) },
        rhs: rhs, { g in .dense(Kernel.unbroadcast(Kernel.zip(g, a, count: g.count, *), toCount: b.count)) })
}

public func / (lhs: Tensor, rhs: Tensor) throws -> Tensor {
    let (shape, count) = try Tensor.broadcast("divide", lhs, rhs)
    let a = lhs.values
    let b = rhs.values
    return Tensor.result(
        Kernel.zip(a, b, count: count, /), shape: shape,
        lhs: lhs, { g in .dense(Kernel.unbroadcast(Kernel.zip(g, b, count: g.count, /), toCount: a.count)) },
        rhs: rhs, { g in
            let partial = Kernel.zip(g, a, b, count: g.count) { g, a, b in -g * a / (b * b) }
            return .dense(Kernel.unbroadcast(partial, toCount: b.count))
        })
}

// MARK: - Tensor with constant

public func + (lhs: Tensor, rhs: Double) -> Tensor {
    Tensor.result(Kernel.map(lhs.values) { $0 + rhs }, shape: lhs.shape, input: lhs) { g in .dense(g) }
}

public func + (lhs: Double, rhs: Tensor) -> Tensor {
    Tensor.result(Kernel.map(rhs.values) { lhs + $0 }, shape: rhs.shape, input: rhs) { g in .dense(g) }
}

public func - (lhs: Tensor, rhs: Double) -> Tensor {
    Tensor.result(Kernel.map(lhs.values) { $0 - rhs }, shape: lhs.shape, input: lhs) { g in .dense(g) }
}

public func - (lhs: Double, rhs: Tensor) -> Tensor {
    Tensor.result(Kernel.map(rhs.values) { lhs - $0 }, shape: rhs.shape, input: rhs) { g in
        .dense(Kernel.map(g) { -$0 })
    }
}

public func * (lhs: Tensor, rhs: Double) -> Tensor {
    Tensor.result(Kernel.map(lhs.values) { $0 * rhs }, shape: lhs.shape, input: lhs) { g in
        .dense(Kernel.map(g) { $0 * rhs })
    }
}

public func * (lhs: Double, rhs: Tensor) -> Tensor {
    Tensor.result(Kernel.map(rhs.values) { lhs * $0 }, shape: rhs.shape, input: rhs) { g in
        .dense(Kernel.map(g) { lhs * $0 })
    }
}

public func / (lhs: Tensor, rhs: Double) -> Tensor {
    Tensor.result(Kernel.map(lhs.values) { $0 / rhs }, shape: lhs.shape, input: lhs) { g in
        .dense(Kernel.map(g) { $0 / rhs })
    }
}

public func / (lhs: Double, rhs: Tensor) -> Tensor {
    let x = rhs.values
    return Tensor.result(Kernel.map(x) { lhs / $0 }, shape: rhs.shape, input: rhs) { g in
        .dense(Kernel.zip(g, x, count: g.count) { g, x in -g * lhs / (x * x) })
    }
}

public prefix func - (x: Tensor) -> Tensor {
    Tensor.result(Kernel.map(x.values) { -$0 }, shape: x.shape, input: x) { g in
        .dense(Kernel.map(g) { -$0 })
    }
}
