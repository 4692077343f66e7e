/// Each node of one graph walk to a number, looked up by the node's address.
///
/// A backward pass looks up every edge's target; a small call's graph has a handful of nodes,
/// and hashing each identifier with the standard library's seeded hasher cost more than the
/// rest of the walk. Open addressing over a power-of-two table, the address's bits mixed by one
/// multiplication, finds a node in a probe or two.
struct NodeIndex {
    private var slots: [(node: ObjectIdentifier?, value: Int)]
    private var count = 0

    /// Empty, with room for `capacity` nodes before it grows.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        slots = Array(repeating: (nil, 0), count: size)
    }

    /// Numbers are set, never removed: a walk numbers each node it meets.
    subscript(node: ObjectIdentifier) -> Int? {
        get {
            let mask = slots.count - 1
            var slot = Self.slot(of: node, mask: mask)
            while let key = slots[slot].node {
                if key == node { return slots[slot].value }
                slot = (slot + 1) & mask
            }
            return nil
        }
        set {
            guard let newValue else { return }
            let mask = slots.count - 1
            var slot = Self.slot(of: node, mask: mask)
            while let key = slots[slot].node {
                if key == node {
                    slots[slot].value = newValue
                    return
                }
                slot = (slot + 1) & mask
            }
            slots[slot] = (node, newValue)
            count += 1
            if 2 * count > slots.count { grow() }
        }
    }

    /// Objects are at least 16-byte aligned, so the low bits say nothing; a Fibonacci
    /// multiplication spreads the rest over the table's bits.
    private static func slot(of node: ObjectIdentifier, mask: Int) -> Int {
        let mixed = (UInt(bitPattern: node) >> 4) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 32) & mask
    }

    private mutating func grow() {
        var bigger = NodeIndex(capacity: slots.count)
        for (node, value) in slots {
            if let node { bigger[node] = value }
        }
        self = bigger
    }
}
