/// Selecting along the first axis, like `x[i]` and `x[a:b]` in PyTorch.
///
/// Gradients flow back only into the selected rows, as a partial gradient, so
/// taking every row of a batch one by one stays linear in the batch size.
extension Tensor {
    /// The sub-tensor at `index` along the first axis, with that axis removed.
    ///
    /// Throws `TensorError.zeroDimensional` for a 0-d tensor and
    /// `TensorError.indexOutOfRange` for an index outside `0..<shape[0]`;
    /// negative indices are not supported.
    public subscript(index: Int) -> Tensor {
        get throws {
            guard let first = shape.first else {
                throw TensorError.zeroDimensional(operation: "index")
            }
            guard index >= 0, index < first else {
                throw TensorError.indexOutOfRange(index: index, count: first)
            }
            let rowShape = Array(shape.dropFirst())
            let rowCount = Tensor.elementCount(of: rowShape)
            return selectRows(from: index * rowCount, count: rowCount, shape: rowShape)
        }
    }

    /// The rows in `range` along the first axis, keeping that axis.
    ///
    /// Throws `TensorError.zeroDimensional` for a 0-d tensor and
    /// `TensorError.rangeOutOfBounds` unless `range` lies within `0...shape[0]`.
    public subscript(range: Range<Int>) -> Tensor {
        get throws {
            guard let first = shape.first else {
                throw TensorError.zeroDimensional(operation: "slice")
            }
            guard range.lowerBound >= 0, range.upperBound <= first else {
                throw TensorError.rangeOutOfBounds(lower: range.lowerBound, upper: range.upperBound, count: first)
            }
            let trailing = Array(shape.dropFirst())
            let rowCount = Tensor.elementCount(of: trailing)
            return selectRows(
                from: range.lowerBound * rowCount, count: range.count * rowCount,
                shape: [range.count] + trailing)
        }
    }

    /// The contiguous elements `offset..<offset + count` under `shape`.
    private func selectRows(from offset: Int, count: Int, shape: [Int]) -> Tensor {
        let total = scalarCount
        return Tensor.result(Array(values[offset..<(offset + count)]), shape: shape, input: self) { g in
            .slice(offset: offset, values: g, total: total)
        }
    }
}
