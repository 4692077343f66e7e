/// One leaf's gradient from `Tensor.backward(deferringTo:)`, not yet written out.
///
/// Where a single fused operation reads the leaf, this holds that operation's pullback and
/// the gradient flowing into it, so that a caller summing many losses' gradients into one
/// buffer per leaf makes no array per loss: `add(scaledBy:into:)` computes each element as
/// `backward()` would and adds it in the same pass. Otherwise it holds the array.
package struct DeferredGradient: Sendable {
    private enum Storage: Sendable {
        case values([Double])
        case fused(pullback: Pullback, accumulate: Accumulate, incoming: [Double])
    }

    private let storage: Storage

    /// A gradient already written out.
    package init(values: [Double]) {
        storage = .values(values)
    }

    init(pullback: @escaping Pullback, accumulate: @escaping Accumulate, incoming: [Double]) {
        storage = .fused(pullback: pullback, accumulate: accumulate, incoming: incoming)
    }

    /// `buffer[i] += scale * gradient[offset + i]` for every element from `offset` on that
    /// fits in `buffer`, each gradient element bit for bit the one `values` holds.
    package func add(scaledBy scale: Double, into buffer: UnsafeMutableBufferPointer<Double>, from offset: Int = 0) {
        switch storage {
        case .values(let values):
            Kernel.add(values, from: offset, scaledBy: scale, into: buffer) { $0 }
        case .fused(_, let accumulate, let incoming):
            accumulate(incoming, scale, buffer, offset)
        }
    }

    /// The gradient as an array, as `backward()` returns it.
    package var values: [Double] {
        switch storage {
        case .values(let values):
            return values
        case .fused(let pullback, _, let incoming):
            switch pullback(incoming) {
            case .dense(let values):
                return values
            case let .slice(offset, values, total):
                var expanded = [Double](repeating: 0, count: total)
                Kernel.add(values, into: &expanded, at: offset)
                return expanded
            }
        }
    }
}
