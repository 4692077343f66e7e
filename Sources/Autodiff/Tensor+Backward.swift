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
