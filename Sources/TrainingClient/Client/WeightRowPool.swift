import Synchronization

/// Arrays the composed backward weights are written into, recycled across calls.
///
/// A call hands its weight rows to the backend, which may keep them as long as it likes, so
/// they cannot be freed and reused by the call itself. Without recycling, every call
/// allocates fresh rows, and once the previous call's rows are freed the allocator may give
/// their pages back to the system (glibc trims a freed heap top), so every call pays a
/// page fault per 4 KB of weights. The pool keeps a reference to each row it hands out and
/// gives it out again later: if the backend has let go by then, the row is written in place;
/// if not, writing to it copies it first (arrays are copy-on-write), so a row anyone still
/// holds never changes.
final class WeightRowPool: Sendable {
    /// The rows every call shares.
    static let shared = WeightRowPool(capacity: 1 << 21)

    /// Rows by element count, oldest first: the oldest are the likeliest to be free again.
    private let rows = Mutex<(byCount: [Int: [[Double]]], elements: Int)>(([:], 0))
    /// The most elements the pool keeps references to (16 MB of doubles).
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// A row of `count` elements with unspecified contents, which the caller owns: a
    /// recycled one when the pool has one of that size, else a new one.
    func take(count: Int) -> [Double] {
        take(counts: [count])[0]
    }

    /// Keeps a reference to `row`, which the caller goes on to hand out, so a later call
    /// can take it again; rows beyond the pool's capacity are not kept.
    func keep(_ row: [Double]) {
        keep([row])
    }

    /// One row of each of `counts`, as `take(count:)` gives them, under one lock.
    ///
    /// A call takes all its rows before it keeps any: a row kept for one datum and taken
    /// again for the next one of the same size would still be held by the call, and be
    /// copied before it could be written.
    func take(counts: [Int]) -> [[Double]] {
        var taken = [[Double]?](repeating: nil, count: counts.count)
        rows.withLock { pool in
            for (index, count) in counts.enumerated() {
                // Removed in place, with the count looked up once: a copy of the list taken
                // out of the dictionary would be copied again on removal.
                guard let row = Self.removeFirst(from: &pool.byCount[count]) else { continue }
                pool.elements -= count
                taken[index] = row
            }
        }
        return zip(taken, counts).map { row, count in row ?? [Double](repeating: 0, count: count) }
    }

    /// The first of `list`'s rows, removed in place; nil when there is none.
    private static func removeFirst(from list: inout [[Double]]?) -> [Double]? {
        guard list?.isEmpty == false else { return nil }
        return list?.removeFirst()
    }

    /// Keeps a reference to each of `rows`, as `keep(_:)` does, under one lock.
    func keep(_ rows: [[Double]]) {
        self.rows.withLock { pool in
            for row in rows {
                let count = row.count
                guard count > 0, count <= capacity, pool.elements + count <= capacity else { continue }
                pool.byCount[count, default: []].append(row)
                pool.elements += count
            }
        }
    }
}
