/// Reinterpreting the same row-major values under another shape.
extension Tensor {
    /// The same values under `newShape`. One dimension may be `-1`, in which
    /// case it is inferred from the element count, as in PyTorch's `view(-1)`.
    ///
    /// Throws `TensorError.invalidShape` when the shape cannot hold exactly
    /// `scalarCount` elements.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let resolved = try Tensor.resolve(newShape, count: scalarCount)
        return Tensor.result(values, shape: resolved, input: self) { g in .dense(g) }
    }

    /// The same values as a 1-D tensor of shape `[scalarCount]`.
    public func flattened() -> Tensor {
        Tensor.result(values, shape: [scalarCount], input: self) { g in .dense(g) }
    }

    /// Replaces a single `-1` in `shape` by the dimension that makes it hold
    /// `count` elements, then checks the result.
    static func resolve(_ shape: [Int], count: Int) throws -> [Int] {
        let inferred = shape.indices.filter { shape[$0] == -1 }
        guard let position = inferred.first else {
            try validate(shape: shape, count: count)
            return shape
        }
        var known = shape
        known.remove(at: position)
        let knownCount = elementCount(of: known)
        guard inferred.count == 1, known.allSatisfy({ $0 >= 0 }),
            knownCount > 0, count % knownCount == 0
        else {
            throw TensorError.invalidShape(shape, count: count)
        }
        var resolved = shape
        resolved[position] = count / knownCount
        return resolved
    }
}
