/// Elementwise comparison of arrays, summarised as torch's `assert_close` does.
///
/// Whether the arrays match is decided by counting rejected elements, never by whether a
/// "worst" element could be ranked: an undefined difference (`inf - inf`, anything with NaN)
/// ranks as the greatest, so every rejected element can be named.
struct ArrayComparison {
    let actual: [Double]
    let expected: [Double]
    let tolerance: Tolerance

    /// The rejected elements: how many, and the one with the greatest absolute and relative difference.
    private struct Rejections {
        var count = 0
        var worstAbsolute: (difference: Double, index: Int)?
        var worstRelative: (difference: Double, index: Int)?
    }

    private func rejections() -> Rejections {
        var found = Rejections()
        for index in expected.indices where !tolerance.accepts(actual[index], expected: expected[index]) {
            found.count += 1
            let absolute = Self.rankable(abs(actual[index] - expected[index]))
            if found.worstAbsolute.map({ absolute > $0.difference }) ?? true { found.worstAbsolute = (absolute, index) }
            let relative = expected[index] == 0 ? Double.infinity : Self.rankable(absolute / abs(expected[index]))
            if found.worstRelative.map({ relative > $0.difference }) ?? true { found.worstRelative = (relative, index) }
        }
        return found
    }

    /// A difference that cannot be measured counts as infinitely large.
    private static func rankable(_ difference: Double) -> Double {
        difference.isNaN ? .infinity : difference
    }

    /// nil when every element is within tolerance; otherwise what differs and by how much.
    func mismatchSummary() -> String? {
        guard actual.count == expected.count else {
            return "expected \(expected.count) values, got \(actual.count)"
        }
        let found = rejections()
        guard found.count > 0, let worst = found.worstAbsolute, let relative = found.worstRelative else { return nil }
        #if REGSPEC_FAULTS
        if HarnessFault.isActive(.arrayVerdictFromWorstElement), !(relative.difference.isFinite) { return nil }
        #endif
        let index = worst.index
        let absolute = Tolerance.rounded(worst.difference, beyond: tolerance.allowance(for: expected[index])).difference
        return """
            mismatched elements: \(found.count) / \(expected.count); \
            greatest absolute difference: \(absolute) at index \(index) \
            (\(tolerance.rejection(of: actual[index], expected: expected[index]))); \
            greatest relative difference: \(Tolerance.rounded(relative.difference, beyond: 0).difference) at index \(relative.index)
            """
    }

    /// The element with the greatest absolute difference outside tolerance, as report data.
    func worstElement() -> (expected: Double, actual: Double, allowed: Double)? {
        guard actual.count == expected.count, let worst = rejections().worstAbsolute else { return nil }
        return (expected[worst.index], actual[worst.index], tolerance.allowance(for: expected[worst.index]))
    }
}
