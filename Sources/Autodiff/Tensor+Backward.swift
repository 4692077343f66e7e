/// Reverse-mode differentiation.
extension Tensor {
    /// Backpropagates from this one-element tensor and returns the gradient of
    /// every leaf it depends on.
    ///
    /// Throws `TensorError.notScalar` unless the tensor holds exactly one
    /// element. A loss that does not require grad reaches no leaf, so every
    /// lookup in the result is nil.
    public func backward() throws -> Gradients {
        guard scalarCount == 1 else {
            throw TensorError.notScalar(shape: shape)
        }
        guard let root = node else {
            return Gradients()
        }
        var pending: [ObjectIdentifier: [Double]] = [ObjectIdentifier(root): [1]]
        var leaves: [ObjectIdentifier: Gradients.Entry] = [:]
        // Reverse post-order visits every node after all nodes that consume it,
        // so a node's gradient is complete by the time it is pulled back.
        for (current, _) in Graph(from: root).nodes.reversed() {
            let id = ObjectIdentifier(current)
            guard let gradient = pending.removeValue(forKey: id) else { continue }
            if current.isLeaf {
                leaves[id] = Gradients.Entry(node: current, values: gradient)
                continue
            }
            for edge in current.edges {
                Tensor.accumulate(edge.pullback(gradient), into: &pending, for: ObjectIdentifier(edge.node))
            }
        }
        return Gradients(entries: leaves)
    }

    /// Backpropagates from this one-element tensor as `backward()` does and returns the
    /// gradient of each of `leaves` (nil where no path from the loss reaches it), deferred:
    /// a leaf that one fused operation reads, and nothing else, gets that operation's
    /// pullback instead of an array, for the caller to add into a buffer of its own.
    ///
    /// Throws `TensorError.notScalar` unless the tensor holds exactly one element.
    package func backward(deferringTo leaves: [Tensor]) throws -> [DeferredGradient?] {
        guard scalarCount == 1 else {
            throw TensorError.notScalar(shape: shape)
        }
        var result = [DeferredGradient?](repeating: nil, count: leaves.count)
        guard let root = node else {
            return result
        }
        if let direct = Self.directGradients(of: root, leaves: leaves) {
            return direct
        }
        let graph = Graph(from: root)
        let count = graph.nodes.count
        // Per node, by graph index, in one array: a wanted leaf's first position in `leaves`
        // (-1: not wanted; a leaf listed twice gets its gradient at its first position and a
        // copy at the others), how many edges reach it, and the gradient pending for it.
        var wanted = [(position: Int, incoming: Int, pending: [Double]?)](repeating: (-1, 0, nil), count: count)
        var copies: [(position: Int, first: Int)] = []
        for (position, leaf) in leaves.enumerated() {
            guard let node = leaf.node, node.isLeaf, let index = graph.index[ObjectIdentifier(node)] else { continue }
            if wanted[index].position < 0 { wanted[index].position = position } else { copies.append((position, wanted[index].position)) }
        }
        // How many edges reach each node: a fused pullback stands for a wanted leaf's whole
        // gradient only when it is the leaf's one contribution.
        for (_, target) in graph.edges where target >= 0 { wanted[target].incoming += 1 }
        wanted[count - 1].pending = [1]
        // Reverse post-order visits every node after all nodes that consume it.
        for current in stride(from: count - 1, through: 0, by: -1) {
            guard let gradient = wanted[current].pending else { continue }
            wanted[current].pending = nil
            if graph.nodes[current].node.isLeaf {
                if wanted[current].position >= 0 { result[wanted[current].position] = DeferredGradient(values: gradient) }
                continue
            }
            let first = current == 0 ? 0 : graph.nodes[current - 1].edgeEnd
            for slot in first..<graph.nodes[current].edgeEnd {
                let (edge, child) = graph.edges[slot]
                guard child >= 0 else { continue }  // never: every input finishes before its consumer
                if let accumulate = edge.accumulate, wanted[child].position >= 0, wanted[child].incoming == 1 {
                    result[wanted[child].position] = DeferredGradient(pullback: edge.pullback, accumulate: accumulate, incoming: gradient)
                } else {
                    Tensor.accumulate(edge.pullback(gradient), into: &wanted[child].pending)
                }
            }
        }
        for (position, first) in copies {
            result[position] = result[first]
        }
        return result
    }

    /// The usual graph of one fn of a call: a fused operation over the batch whose edges
    /// lead straight to `leaves`, one each and in their order. Each leaf's gradient is then
    /// its edge's fused pullback with the root's gradient `[1]`, exactly what the walk over
    /// the graph hands out, without building the graph. nil for any other graph.
    private static func directGradients(of root: Node, leaves: [Tensor]) -> [DeferredGradient?]? {
        let edges = root.edges
        guard !edges.isEmpty, edges.count == leaves.count else { return nil }
        var result: [DeferredGradient?] = []
        result.reserveCapacity(edges.count)
        var identities: [ObjectIdentifier] = []
        identities.reserveCapacity(edges.count)
        let incoming: [Double] = [1]
        // By index, so that an edge and a leaf are read in place rather than copied out.
        for index in edges.indices {
            guard let accumulate = edges[index].accumulate, edges[index].node.isLeaf,
                  leaves[index].node === edges[index].node else { return nil }
            identities.append(ObjectIdentifier(edges[index].node))
            result.append(DeferredGradient(pullback: edges[index].pullback, accumulate: accumulate, incoming: incoming))
        }
        // A leaf read twice has two contributions, which only the walk adds up. A batch's
        // few leaves are compared pairwise; many are sorted first.
        if identities.count <= 64 {
            for later in identities.indices.dropFirst() where identities[..<later].contains(identities[later]) {
                return nil
            }
        } else {
            identities.sort()
            for index in identities.indices.dropFirst() where identities[index] == identities[index - 1] {
                return nil
            }
        }
        return result
    }

    /// The graph below a root in post-order (each node after all of its inputs, the root
    /// last), with every node's edges read once and their targets as indices, so that a
    /// backward pass needs no lock, no dictionary and no array per node.
    struct Graph {
        /// Node i's edges are `edges[nodes[i - 1].edgeEnd..<nodes[i].edgeEnd]` (from 0 for i = 0).
        var nodes: [(node: Node, edgeEnd: Int)] = []
        /// Each node's index in `nodes`.
        var index: NodeIndex
        /// Each edge with the index in `nodes` of its node.
        var edges: [(edge: Edge, target: Int)] = []

        /// Iterative, because graphs built by long loops can be far deeper than the call stack allows.
        init(from root: Node) {
            // -1 marks a node on the stack; a node's children all finish before it does,
            // since the graph has no cycles.
            // Room for a small call's graph at once, so that it is not grown step by step.
            // A batch-wide fused operation has an edge per datum and a node per edge, plus itself.
            let rootEdges = root.edges
            let expected = max(16, rootEdges.count + 1)
            nodes.reserveCapacity(expected)
            edges.reserveCapacity(expected)
            index = NodeIndex(capacity: expected)
            index[ObjectIdentifier(root)] = -1
            var stack: [(node: Node, edges: [Edge], next: Int)] = []
            stack.reserveCapacity(16)
            stack.append((root, rootEdges, 0))
            while !stack.isEmpty {
                let top = stack.count - 1
                let next = stack[top].next
                if next < stack[top].edges.count {
                    stack[top].next = next + 1
                    let child = stack[top].edges[next].node
                    let id = ObjectIdentifier(child)
                    if index[id] == nil {
                        index[id] = -1
                        stack.append((child, child.edges, 0))
                    }
                } else {
                    let (node, nodeEdges, _) = stack.removeLast()
                    for edge in nodeEdges {
                        edges.append((edge, index[ObjectIdentifier(edge.node)] ?? -1))
                    }
                    index[ObjectIdentifier(node)] = nodes.count
                    nodes.append((node, edges.count))
                }
            }
        }
    }


    /// Adds a contribution to the gradient pending for one node, in place when
    /// that node already has one.
    static func accumulate(_ cotangent: Cotangent, into pending: inout [ObjectIdentifier: [Double]], for id: ObjectIdentifier) {
        switch cotangent {
        case let .dense(values):
            if var existing = pending.removeValue(forKey: id) {
                Kernel.add(values, into: &existing)
                pending[id] = existing
            } else {
                pending[id] = values
            }
        case let .slice(offset, values, total):
            var existing = pending.removeValue(forKey: id) ?? [Double](repeating: 0, count: total)
            Kernel.add(values, into: &existing, at: offset)
            pending[id] = existing
        }
    }

    /// Adds a contribution to the gradient pending for one node, in place when
    /// that node already has one.
    static func accumulate(_ cotangent: Cotangent, into pending: inout [Double]?) {
        switch cotangent {
        case let .dense(values):
            guard var existing = pending else {
                pending = values
                return
            }
            pending = nil
            Kernel.add(values, into: &existing)
            pending = existing
        case let .slice(offset, values, total):
            var existing = pending ?? [Double](repeating: 0, count: total)
            pending = nil
            Kernel.add(values, into: &existing, at: offset)
            pending = existing
        }
    }
}
