/// Building one tensor from several, like `torch.stack` and `torch.cat`.
extension Tensor {
    /// Stacks equally shaped tensors along a new first axis.
    ///
    /// Throws `TensorError.emptyInput` for an empty list and
    /// `TensorError.shapeMismatch` when any shape differs from the first.
    public static func stack(_ tensors: [Tensor]) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.emptyInput(operation: "stack")
        }
        for tensor in tensors where tensor.shape != first.shape {
            throw TensorError.shapeMismatch(operation: "stack", lhs: first.shape, rhs: tensor.shape)
        }
        return join(tensors, shape: [tensors.count] + first.shape)
    }

    /// Concatenates tensors along their existing first axis.
    ///
    /// Throws `TensorError.emptyInput` for an empty list,
    /// `TensorError.zeroDimensional` when an input has no axis, and
    /// `TensorError.shapeMismatch` when trailing dimensions differ from the first input's.
    public static func concatenate(_ tensors: [Tensor]) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.emptyInput(operation: "concatenate")
        }
        var rows = 0
        for tensor in tensors {
            guard let leading = tensor.shape.first else {
                throw TensorError.zeroDimensional(operation: "concatenate")
            }
            guard tensor.shape.dropFirst() == first.shape.dropFirst() else {
                throw TensorError.shapeMismatch(operation: "concatenate", lhs: first.shape, rhs: tensor.shape)
            }
            rows += leading
        }
        return join(tensors, shape: [rows] + first.shape.dropFirst())
    }

    /// Lays the inputs' values end to end; each input's gradient is its span
    /// of the result's gradient.
    private static func join(_ tensors: [Tensor], shape: [Int]) -> Tensor {
        var values: [Double] = []
        values.reserveCapacity(tensors.reduce(0) { $0 + $1.scalarCount })
        var inputs: [OperationInput] = []
        for tensor in tensors {
            let span = values.count..<(values.count + tensor.scalarCount)
            values.append(contentsOf: tensor.values)
            if tensor.requiresGrad {
                let pullback: Pullback = { g in .dense(Array(g[span])) }
                inputs.append(OperationInput(tensor, pullback))
            }
        }
        return result(values, shape: shape, inputs: inputs)
    }
}
