/// A running sum in eight lanes: the element at position `i` of a reduction is
/// added to lane `i % 8`, and the lanes are combined pairwise at the end.
///
/// One accumulator is a chain of dependent additions, one per element; eight
/// independent chains let the additions overlap (and vectorize), as numpy's
/// pairwise sum and PyTorch's vectorized reductions do, and the rounding error
/// grows more slowly than a serial sum's. Every reduction in Autodiff sums
/// through this type, fused or not, so that a fused kernel and the expression
/// it replaces agree bit for bit. The lane follows the position across calls to
/// `add`, so a list of arrays sums exactly as their concatenation does.
@usableFromInline
struct LaneSum {
    @usableFromInline var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    @usableFromInline var s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
    /// How many elements have been added: the next one goes to lane `count % 8`.
    @usableFromInline var count = 0

    @inlinable init() {}

    /// Adds `element(i)` for `i` in `0..<count`, in that order.
    @inlinable @inline(__always)
    mutating func add(count n: Int, _ element: (Int) -> Double) {
        var i = 0
        // Up to the next multiple of eight one at a time, then eight at a time.
        while i < n && (count &+ i) & 7 != 0 {
            addOne(element(i), lane: (count &+ i) & 7)
            i &+= 1
        }
        while n &- i >= 8 {
            s0 += element(i)
            s1 += element(i &+ 1)
            s2 += element(i &+ 2)
            s3 += element(i &+ 3)
            s4 += element(i &+ 4)
            s5 += element(i &+ 5)
            s6 += element(i &+ 6)
            s7 += element(i &+ 7)
            i &+= 8
        }
        while i < n {
            addOne(element(i), lane: (count &+ i) & 7)
            i &+= 1
        }
        count &+= n
    }

    @inlinable @inline(__always)
    mutating func addOne(_ value: Double, lane: Int) {
        switch lane {
        case 0: s0 += value
        case 1: s1 += value
        case 2: s2 += value
        case 3: s3 += value
        case 4: s4 += value
        case 5: s5 += value
        case 6: s6 += value
        default: s7 += value
        }
    }

    /// The lanes combined pairwise.
    @inlinable var total: Double {
        ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }
}
