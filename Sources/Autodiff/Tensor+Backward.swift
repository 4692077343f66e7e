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
        for current in Tensor.postOrder(from: root).reversed() {
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
        // Each wanted leaf's first position in `leaves`; a leaf listed twice gets its
        // gradient at its first position and a copy at the others.
        var positions: [ObjectIdentifier: Int] = [:]
        positions.reserveCapacity(leaves.count)
        for (position, leaf) in leaves.enumerated() {
            if let node = leaf.node, node.isLeaf, positions[ObjectIdentifier(node)] == nil {
                positions[ObjectIdentifier(node)] = position
            }
        }
        let order = Tensor.postOrder(from: root)
        // How many edges reach each wanted leaf: a fused pullback stands for the whole
        // gradient only when it is the leaf's one contribution.
        var incoming = [Int](repeating: 0, count: leaves.count)
        for current in order where !current.isLeaf {
            for edge in current.edges {
                if let position = positions[ObjectIdentifier(edge.node)] { incoming[position] += 1 }
            }
        }
        var pending: [ObjectIdentifier: [Double]] = [ObjectIdentifier(root): [1]]
        for current in order.reversed() {
            let id = ObjectIdentifier(current)
            guard let gradient = pending.removeValue(forKey: id) else { continue }
            if current.isLeaf {
                if let position = positions[id] { result[position] = DeferredGradient(values: gradient) }
                continue
            }
            for edge in current.edges {
                let child = ObjectIdentifier(edge.node)
                if let accumulate = edge.accumulate, let position = positions[child], incoming[position] == 1 {
                    result[position] = DeferredGradient(pullback: edge.pullback, accumulate: accumulate, incoming: gradient)
                } else {
                    Tensor.accumulate(edge.pullback(gradient), into: &pending, for: child)
                }
            }
        }
        for (position, leaf) in leaves.enumerated() {
            if let node = leaf.node, let first = positions[ObjectIdentifier(node)], first != position {
                result[position] = result[first]
            }
        }
        return result
    }

    /// Every node reachable from `root`, each after all of its inputs.
    ///
    /// Iterative, because graphs built by long loops can be far deeper than
    /// the call stack allows.
    static func postOrder(from root: Node) -> [Node] {
        var order: [Node] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack: [(node: Node, edges: [Edge], next: Int)] = [(root, root.edges, 0)]
        while !stack.isEmpty {
            let top = stack.count - 1
            let index = stack[top].next
            if index < stack[top].edges.count {
                stack[top].next = index + 1
                let child = stack[top].edges[index].node
                if visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, child.edges, 0))
                }
            } else {
                order.append(stack[top].node)
                stack.removeLast()
            }
        }
        return order
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
}
