import Synchronization

/// Arrays the fused kernels store derivatives in, recycled across graphs.
///
/// `mean(of:against:_:)` stores a derivative per element going forward, an array per tensor,
/// and a call's graph lets go of them all at its end. Freed, 2 MB of them at a time are the
/// top of the heap, which glibc gives back to the system, and the next call pays a page fault
/// per 4 KB to write new ones. Recycled, they are written in place. An array is given back
/// only by its last holder, so one taken from here is uniquely owned (were it not, writing it
/// would copy it first, as arrays do).
@usableFromInline
final class ScratchArrays: Sendable {
    /// The arrays every graph shares.
    @usableFromInline static let shared = ScratchArrays(capacity: 1 << 21)

    /// Arrays by element count, oldest first.
    private let arrays = Mutex<(byCount: [Int: [[Double]]], elements: Int)>(([:], 0))
    /// The most elements kept (16 MB of doubles).
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// An array of `count` elements with unspecified contents, or nil when none is kept.
    @usableFromInline
    func take(count: Int) -> [Double]? {
        arrays.withLock { kept in
            // Removed in place, with the count looked up once: a copy of the list taken out
            // of the dictionary would be copied again on removal.
            guard let array = Self.removeFirst(from: &kept.byCount[count]) else { return nil }
            kept.elements -= count
            return array
        }
    }

    /// The first of `list`'s arrays, removed in place; nil when there is none.
    private static func removeFirst(from list: inout [[Double]]?) -> [Double]? {
        guard list?.isEmpty == false else { return nil }
        return list?.removeFirst()
    }

    /// Keeps `array` for a later `take`, unless that would pass the capacity.
    func give(_ array: [Double]) {
        let count = array.count
        guard count > 0, count <= capacity else { return }
        arrays.withLock { kept in
            guard kept.elements + count <= capacity else { return }
            kept.byCount[count, default: []].append(array)
            kept.elements += count
        }
    }
}
