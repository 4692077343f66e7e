#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's `exp`, `log`, `log1p`, `pow`, by names no declaration here shadows.
@inline(__always) private func libcExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func libcLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func libcLog1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) private func libcPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// Whole-array numeric loops shared by the forward passes and pullbacks.
///
/// Every operation works on entire arrays at once so that a pullback is one
/// loop over contiguous storage, not a closure or node per element.
enum Kernel {
    /// Applies `transform` to every element.
    @inline(__always)
    static func map(_ a: [Double], _ transform: (Double) -> Double) -> [Double] {
        let count = a.count
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            a.withUnsafeBufferPointer { pa in
                for i in 0..<count { out[i] = transform(pa[i]) }
            }
            initialized = count
        }
    }

    /// Combines two arrays elementwise into `count` results; an array with a
    /// single element is broadcast against the other.
    @inline(__always)
    static func zip(
        _ a: [Double], _ b: [Double], count: Int, _ combine: (Double, Double) -> Double
    ) -> [Double] {
        let sa = a.count == count ? 1 : 0
        let sb = b.count == count ? 1 : 0
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    for i in 0..<count { out[i] = combine(pa[i &* sa], pb[i &* sb]) }
                }
            }
            initialized = count
        }
    }

    /// Combines three arrays elementwise into `count` results, broadcasting
    /// single-element arrays.
    @inline(__always)
    static func zip(
        _ a: [Double], _ b: [Double], _ c: [Double], count: Int,
        _ combine: (Double, Double, Double) -> Double
    ) -> [Double] {
        let sa = a.count == count ? 1 : 0
        let sb = b.count == count ? 1 : 0
        let sc = c.count == count ? 1 : 0
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeBufferPointer { pc in
                        for i in 0..<count {
                            out[i] = combine(pa[i &* sa], pb[i &* sb], pc[i &* sc])
                        }
                    }
                }
            }
            initialized = count
        }
    }

    /// The sum of all elements, in `LaneSum`'s order.
    static func sum(_ a: [Double]) -> Double {
        var total = LaneSum()
        sum(a, into: &total)
        return total.total
    }

    /// Adds every element to `total`.
    static func sum(_ a: [Double], into total: inout LaneSum) {
        a.withUnsafeBufferPointer { pa in
            total.add(count: pa.count) { pa[$0] }
        }
    }

    /// The sum of the elementwise products of two equally long arrays, in `LaneSum`'s order.
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var total = LaneSum()
        dot(a, b, into: &total)
        return total.total
    }

    /// Adds the elementwise products of two equally long arrays to `total`.
    static func dot(_ a: [Double], _ b: [Double], into total: inout LaneSum) {
        let count = Swift.min(a.count, b.count)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                total.add(count: count) { pa[$0] * pb[$0] }
            }
        }
    }

    /// The sum of `(x - mean)^2` over every element, in `LaneSum`'s order.
    static func sumOfSquaredDeviations(_ a: [Double], from mean: Double) -> Double {
        var total = LaneSum()
        sumOfSquaredDeviations(a, from: mean, into: &total)
        return total.total
    }

    /// Adds `(x - mean)^2` for every element to `total`.
    static func sumOfSquaredDeviations(_ a: [Double], from mean: Double, into total: inout LaneSum) {
        a.withUnsafeBufferPointer { pa in
            total.add(count: pa.count) { i in
                let deviation = pa[i] - mean
                return deviation * deviation
            }
        }
    }

    /// The sum of `f(x)` over all elements, in `LaneSum`'s order.
    @inline(__always)
    static func sum(_ a: [Double], of f: (Double) -> Double) -> Double {
        a.withUnsafeBufferPointer { pa in
            var total = LaneSum()
            total.add(count: pa.count) { f(pa[$0]) }
            return total.total
        }
    }

    /// Reduces a gradient to the element count of an input: an input that was
    /// broadcast from one element receives the sum of the gradient.
    static func unbroadcast(_ gradient: [Double], toCount count: Int) -> [Double] {
        gradient.count == count ? gradient : [sum(gradient)]
    }

    /// Adds `addend` into `target` starting at `offset`.
    static func add(_ addend: [Double], into target: inout [Double], at offset: Int = 0) {
        let count = addend.count
        addend.withUnsafeBufferPointer { pa in
            target.withUnsafeMutableBufferPointer { pt in
                for i in 0..<count { pt[offset &+ i] += pa[i] }
            }
        }
    }

    /// `buffer[i] += scale * element(a[offset + i])` for every element of `a` from `offset`
    /// on that fits in `buffer`.
    @inline(__always)
    static func add(
        _ a: [Double], from offset: Int = 0, scaledBy scale: Double, into buffer: UnsafeMutableBufferPointer<Double>,
        _ element: (Double) -> Double
    ) {
        let count = Swift.min(a.count - offset, buffer.count)
        guard offset >= 0, count > 0 else { return }
        a.withUnsafeBufferPointer { pa in
            for i in 0..<count { buffer[i] += scale * element(pa[offset &+ i]) }
        }
    }

    /// `buffer[i] += scale * element(a[offset + i], b[offset + i])` for every position of
    /// both from `offset` on that fits in `buffer`.
    @inline(__always)
    static func add(
        _ a: [Double], _ b: [Double], from offset: Int = 0, scaledBy scale: Double, into buffer: UnsafeMutableBufferPointer<Double>,
        _ element: (Double, Double) -> Double
    ) {
        let count = Swift.min(a.count - offset, b.count - offset, buffer.count)
        guard offset >= 0, count > 0 else { return }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for i in 0..<count { buffer[i] += scale * element(pa[offset &+ i], pb[offset &+ i]) }
            }
        }
    }

    /// `log(1 / (1 + exp(-x)))` without overflow for large `|x|`.
    @inline(__always)
    static func logSigmoid(_ x: Double) -> Double {
        Swift.min(x, 0) - libcLog1p(libcExp(-Swift.abs(x)))
    }

    /// `1 / (1 + exp(-x))` without overflow for large `|x|`.
    @inline(__always)
    static func sigmoid(_ x: Double) -> Double {
        if x >= 0 {
            return 1 / (1 + libcExp(-x))
        }
        let e = libcExp(x)
        return e / (1 + e)
    }

    @inline(__always) static func exp(_ x: Double) -> Double { libcExp(x) }
    @inline(__always) static func log(_ x: Double) -> Double { libcLog(x) }
    @inline(__always) static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) static func pow(_ x: Double, _ p: Double) -> Double { libcPow(x, p) }
}
