import Testing
@testable import SpecHarness

@Suite("Tolerance")
struct ToleranceTests {
    @Test("accepts |a - e| <= atol + rtol * |e| and nothing beyond")
    func boundary() {
        let tolerance = Tolerance(relative: 1e-3, absolute: 1e-2)
        // allowance at e = 10: 0.01 + 0.001 * 10 = 0.02
        #expect(tolerance.accepts(10.0199, expected: 10))
        #expect(!tolerance.accepts(10.0201, expected: 10))
        #expect(tolerance.accepts(-0.0099, expected: 0))
        #expect(!tolerance.accepts(0.0101, expected: 0))
    }

    @Test("NaN matches NaN only with equal_nan; infinities only themselves")
    func specialValues() {
        #expect(!Tolerance().accepts(.nan, expected: .nan))
        #expect(Tolerance(equalNaN: true).accepts(.nan, expected: .nan))
        #expect(!Tolerance(equalNaN: true).accepts(1, expected: .nan))
        #expect(Tolerance().accepts(.infinity, expected: .infinity))
        #expect(!Tolerance().accepts(-.infinity, expected: .infinity))
        #expect(!Tolerance(relative: 1, absolute: 1).accepts(1e300, expected: .infinity))
    }

    @Test("a non-finite expectation allows no difference, and its rejection never reads like a pass")
    func nonFiniteAllowance() {
        let loose = Tolerance(relative: 1, absolute: 1)
        for expected in [Double.infinity, -.infinity, .nan] {
            #expect(loose.allowance(for: expected) == 0)
            #expect(!loose.rejection(of: 0, expected: expected).contains("allowed"))
        }
        #expect(loose.rejection(of: 0, expected: .infinity) == "expected inf, actual 0.0 (an infinite expectation matches only the same infinity)")
        #expect(Tolerance().rejection(of: .nan, expected: .nan).contains("only where the case sets equal_nan"))
        #expect(Tolerance(relative: 0, absolute: 0.5).rejection(of: 2, expected: 1) == "expected 1.0 ± 0.5, actual 2.0 (difference 1.0; rtol=0.0, atol=0.5)")
    }

    @Test("a rejection reads as pytest's approx: the allowance to two digits, more only where needed to show the difference exceeds it")
    func pytestWording() {
        // The allowance at 0.0007955777777777781 is 1.0079557777777777e-06 in full.
        let expected = 0.0007955777777777781
        #expect(Tolerance().rejection(of: 0.0008, expected: expected) == "expected 0.0007955777777777781 ± 1e-06, actual 0.0008 (difference 4.4e-06; rtol=1e-05, atol=1e-06)")
        #expect(Tolerance(relative: 0, absolute: 5e-7).rejection(of: 0.51, expected: 0.5) == "expected 0.5 ± 5e-07, actual 0.51 (difference 0.01; rtol=0.0, atol=5e-07)")
        // Just beyond the allowance: two digits would show 1.1e-06 for both.
        let close = Tolerance(relative: 0, absolute: 1.06e-6).rejection(of: 1.07e-6, expected: 0)
        #expect(close == "expected 0.0 ± 1.06e-06, actual 1.07e-06 (difference 1.07e-06; rtol=0.0, atol=1.06e-06)")
        #expect(Tolerance().rejection(of: .infinity, expected: 1) == "expected 1.0 ± 1.1e-05, actual inf (the actual value is not finite)")
    }

    @Test("an array check fails whenever an element is rejected, even when no difference can be ranked")
    func unrankableDifferences() throws {
        // |1 - inf| / inf is NaN: the relative difference of every element is undefined.
        let infinite = ArrayComparison(actual: [1, 1], expected: [.infinity, -.infinity], tolerance: Tolerance(relative: 0, absolute: 0))
        let summary = try #require(infinite.mismatchSummary())
        #expect(summary.hasPrefix("mismatched elements: 2 / 2"))
        #expect(infinite.worstElement()?.allowed == 0)
        let nan = ArrayComparison(actual: [.nan, .nan], expected: [.nan, .nan], tolerance: .standard)
        #expect(nan.mismatchSummary()?.hasPrefix("mismatched elements: 2 / 2") == true)
        #expect(ArrayComparison(actual: [.nan], expected: [.nan], tolerance: Tolerance(equalNaN: true)).mismatchSummary() == nil)
    }

    @Test("the longest matching field prefix wins over the case tolerance")
    func fieldOverrides() {
        let settings = ToleranceSettings(
            base: Tolerance(relative: 1e-5, absolute: 1e-6),
            fields: [
                "metrics.regularizers": TolerancePatch(absolute: 1e-2),
                "metrics.regularizers.kl.value": TolerancePatch(relative: 0.1),
                "gradient": TolerancePatch(equalNaN: true),
            ])
        #expect(settings.tolerance(for: "metrics.loss_total") == Tolerance(relative: 1e-5, absolute: 1e-6))
        #expect(settings.tolerance(for: "metrics.regularizers.l2.value") == Tolerance(relative: 1e-5, absolute: 1e-2))
        #expect(settings.tolerance(for: "metrics.regularizers.kl.value") == Tolerance(relative: 0.1, absolute: 1e-6))
        #expect(settings.tolerance(for: "gradient") == Tolerance(relative: 1e-5, absolute: 1e-6, equalNaN: true))
        // A prefix must end at a path boundary.
        #expect(settings.tolerance(for: "metrics.regularizers_extra") == settings.base)
    }

    @Test("array mismatches are summarised with counts, worst differences and their indices")
    func arraySummary() throws {
        let comparison = ArrayComparison(
            actual: [1.0, 2.5, 3.0, 4.1], expected: [1.0, 2.0, 3.0, 4.0], tolerance: Tolerance(relative: 0, absolute: 0.05))
        let summary = try #require(comparison.mismatchSummary())
        #expect(summary.contains("mismatched elements: 2 / 4"))
        #expect(summary.contains("greatest absolute difference: 0.5 at index 1"))
        // relative: 0.5 / 2 = 0.25 at index 1 beats 0.1 / 4 = 0.025 at index 3
        #expect(summary.contains("greatest relative difference: 0.25 at index 1"))
        #expect(ArrayComparison(actual: [1, 2], expected: [1, 2], tolerance: .standard).mismatchSummary() == nil)
        #expect(ArrayComparison(actual: [1], expected: [1, 2], tolerance: .standard).mismatchSummary() == "expected 2 values, got 1")
    }
}
