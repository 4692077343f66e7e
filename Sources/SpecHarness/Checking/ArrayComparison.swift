/// Elementwise comparison of arrays, summarised as torch's `assert_close` does.
struct ArrayComparison {
    let actual: [Double]
    let expected: [Double]
    let tolerance: Tolerance

    /// nil when every element is within tolerance; otherwise what differs and by how much.
    func mismatchSummary() -> String? {
        guard actual.count == expected.count else {
            return "expected \(expected.count) values, got \(actual.count)"
        }
        var mismatched = 0
        var worstAbsolute: (difference: Double, index: Int)?
        var worstRelative: (difference: Double, index: Int)?
        for index in expected.indices where !tolerance.accepts(actual[index], expected: expected[index]) {
            mismatched += 1
            let difference = abs(actual[index] - expected[index])
            let comparable = difference.isNaN ? Double.infinity : difference
            if comparable > (worstAbsolute?.difference ?? -1) { worstAbsolute = (comparable, index) }
            let relative = expected[index] == 0 ? Double.infinity : comparable / abs(expected[index])
            if relative > (worstRelative?.difference ?? -1) { worstRelative = (relative, index) }
        }
        guard let worstAbsolute, let worstRelative else { return nil }
        let a = worstAbsolute.index
        return """
            mismatched elements: \(mismatched) / \(expected.count); \
            greatest absolute difference: \(Self.format(worstAbsolute.difference)) at index \(a) \
            (expected \(Self.format(expected[a])), actual \(Self.format(actual[a])), allowed \(Self.format(tolerance.allowance(for: expected[a])))); \
            greatest relative difference: \(Self.format(worstRelative.difference)) at index \(worstRelative.index) \
            (\(tolerance))
            """
    }

    /// The element with the greatest absolute difference outside tolerance, as report data.
    func worstElement() -> (expected: Double, actual: Double, allowed: Double)? {
        guard actual.count == expected.count else { return nil }
        var worst: (difference: Double, index: Int)?
        for index in expected.indices where !tolerance.accepts(actual[index], expected: expected[index]) {
            let difference = abs(actual[index] - expected[index])
            let comparable = difference.isNaN ? Double.infinity : difference
            if comparable > (worst?.difference ?? -1) { worst = (comparable, index) }
        }
        return worst.map { (expected[$0.index], actual[$0.index], tolerance.allowance(for: expected[$0.index])) }
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return "\(value)"
    }
}
