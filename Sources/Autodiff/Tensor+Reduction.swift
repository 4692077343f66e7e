/// Reductions to a 0-d tensor, the usual last step before `backward()`.
extension Tensor {
    /// The sum of all elements, shape `[]`.
    public func sum() -> Tensor {
        let count = scalarCount
        return Tensor.result([Kernel.sum(values)], shape: [], input: self) { g in
            .dense([Double](repeating: g[0], count: count))
        }
    }

    /// The mean of all elements, shape `[]`; NaN for an empty tensor, as in PyTorch.
    public func mean() -> Tensor {
        let count = scalarCount
        let scale = 1 / Double(count)
        return Tensor.result([Kernel.sum(values) * scale], shape: [], input: self) { g in
            .dense([Double](repeating: g[0] * scale, count: count))
        }
    }
}
