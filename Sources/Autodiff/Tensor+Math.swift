/// Elementwise functions of one tensor.
///
/// Each pullback reuses the forward input or output it needs, so nothing is
/// recomputed when gradients flow back.
extension Tensor {
    /// `e^x` elementwise.
    public func exp() -> Tensor {
        let y = Kernel.map(values, Kernel.exp)
        return Tensor.result(y, shape: shape, input: self) { g in
            .dense(Kernel.zip(g, y, count: g.count, *))
        }
    }

    /// The natural logarithm elementwise; non-positive inputs give `-inf` or
    /// NaN as IEEE arithmetic does rather than throwing.
    public func log() -> Tensor {
        let x = values
        return Tensor.result(Kernel.map(x, Kernel.log), shape: shape, input: self) { g in
            .dense(Kernel.zip(g, x, count: g.count, /))
        }
    }

    /// `x * x` elementwise.
    public func square() -> Tensor {
        let x = values
        return Tensor.result(Kernel.map(x) { $0 * $0 }, shape: shape, input: self) { g in
            .dense(Kernel.zip(g, x, count: g.count) { g, x in 2 * x * g })
        }
    }

    /// `x^exponent` elementwise. An exponent of zero has a zero gradient
    /// everywhere, including at `x == 0`, as in PyTorch.
    public func pow(_ exponent: Double) -> Tensor {
        let x = values
        return Tensor.result(Kernel.map(x) { Kernel.pow($0, exponent) }, shape: shape, input: self) { g in
            if exponent == 0 {
                return .dense([Double](repeating: 0, count: g.count))
            }
            return .dense(Kernel.zip(g, x, count: g.count) { g, x in
                g * exponent * Kernel.pow(x, exponent - 1)
            })
        }
    }

    /// The square root elementwise.
    public func sqrt() -> Tensor {
        let y = Kernel.map(values, Kernel.sqrt)
        return Tensor.result(y, shape: shape, input: self) { g in
            .dense(Kernel.zip(g, y, count: g.count) { g, y in g / (2 * y) })
        }
    }

    /// `log(1 / (1 + exp(-x)))` elementwise, computed without overflow for
    /// large `|x|`; its gradient is `sigmoid(-x)`.
    public func logSigmoid() -> Tensor {
        let x = values
        return Tensor.result(Kernel.map(x, Kernel.logSigmoid), shape: shape, input: self) { g in
            .dense(Kernel.zip(g, x, count: g.count) { g, x in g * Kernel.sigmoid(-x) })
        }
    }
}
