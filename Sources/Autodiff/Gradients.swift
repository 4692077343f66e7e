/// Reverse-mode gradients of a scalar loss, looked up by leaf.
///
/// Only leaves are kept, together with their nodes: holding the node keeps
/// its identity from being reused by a tensor created later, so a lookup can
/// never return another tensor's gradient.
public struct Gradients: Sendable {
    /// A leaf's node and its accumulated gradient.
    struct Entry: Sendable {
        let node: Node
        let values: [Double]
    }

    let entries: [ObjectIdentifier: Entry]

    init(entries: [ObjectIdentifier: Entry] = [:]) {
        self.entries = entries
    }

    /// The gradient for `leaf` (same shape), or nil when no path from the loss
    /// reaches it, so callers can tell "unused" from "zero".
    public subscript(leaf: Tensor) -> Tensor? {
        guard let node = leaf.node, let entry = entries[ObjectIdentifier(node)], entry.node === node else {
            return nil
        }
        return Tensor(uncheckedValues: entry.values, shape: leaf.shape, node: nil)
    }
}
