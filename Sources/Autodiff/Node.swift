import Synchronization

/// A gradient flowing back to one input of an operation.
///
/// Slices and index selections only touch part of their input, so they hand
/// back just that part instead of a mostly-zero array the size of the input;
/// this keeps slicing every row of a batch linear rather than quadratic.
enum Cotangent: Sendable {
    /// A gradient covering every element of the input.
    case dense([Double])
    /// A gradient for `values.count` elements starting at `offset`; the rest of the
    /// `total` elements receive zero.
    case slice(offset: Int, values: [Double], total: Int)
}

/// Maps the gradient of an operation's result to the gradient of one input.
typealias Pullback = @Sendable ([Double]) -> Cotangent

/// Adds `scale` times the dense cotangent a pullback would return straight into a caller's
/// buffer, each element computed exactly as the pullback computes it and then added as
/// `buffer[i] += scale * element[offset + i]`: the same numbers, without the array. The
/// offset lets a caller go through a long input a cache-sized chunk at a time.
typealias Accumulate = @Sendable (_ gradient: [Double], _ scale: Double, _ buffer: UnsafeMutableBufferPointer<Double>, _ offset: Int) -> Void

/// A connection from an operation's result back to one of its inputs.
struct Edge: Sendable {
    let node: Node
    let pullback: Pullback
    /// The fused form of `pullback`, for operations whose cotangent is one elementwise
    /// expression over the whole input; nil for the others.
    let accumulate: Accumulate?

    init(node: Node, pullback: @escaping Pullback, accumulate: Accumulate? = nil) {
        self.node = node
        self.pullback = pullback
        self.accumulate = accumulate
    }
}

/// An immutable vertex of the computation graph.
///
/// Leaves stand for tensors made with `Tensor.variable`; every other node is the
/// result of an operation and knows how to pull gradients back to its inputs.
/// Pullbacks capture only value arrays, never nodes, so the graph's only strong
/// references between nodes are the edges.
final class Node: Sendable {
    /// True for a tensor made with `Tensor.variable`.
    let isLeaf: Bool
    /// The edges live behind a lock only so that `deinit` can take them and
    /// release a long chain iteratively; they never change while the node is in use.
    private let storage: Mutex<[Edge]>

    /// The most edges on a path from this node down to a leaf: how deeply releasing it
    /// would nest if its inputs were released the default, recursive way.
    let depth: Int

    /// Up to this depth a node is released the default way, its inputs in nested deinits:
    /// the common small graph then costs no lock, no parent list and no loop, and the
    /// nesting stays far inside any thread's stack.
    static let recursiveReleaseDepth = 64

    init(leaf: ()) {
        isLeaf = true
        depth = 0
        storage = Mutex([])
    }

    init(edges: [Edge]) {
        isLeaf = false
        var deepest = 0
        for edge in edges where edge.node.depth > deepest { deepest = edge.node.depth }
        depth = deepest + 1
        storage = Mutex(edges)
    }

    /// The inputs of the operation that produced this node, with their pullbacks.
    var edges: [Edge] {
        storage.withLock { $0 }
    }

    /// Removes and returns the parent nodes, so that releasing them happens in
    /// the caller's loop instead of in a nested deinit.
    private func takeParents() -> [Node] {
        storage.withLock { edges in
            let parents = edges.map(\.node)
            edges = []
            return parents
        }
    }

    /// Releases the ancestors of a deep node iteratively: the default recursive release of a
    /// 200,000-step chain would overflow the stack. A shallow node, and each shallow
    /// ancestor met on the way, is released the default way.
    deinit {
        guard depth > Self.recursiveReleaseDepth else { return }
        var pending = takeParents()
        while var node = pending.popLast() {
            if node.depth > Self.recursiveReleaseDepth && isKnownUniquelyReferenced(&node) {
                pending.append(contentsOf: node.takeParents())
            }
        }
    }
}
