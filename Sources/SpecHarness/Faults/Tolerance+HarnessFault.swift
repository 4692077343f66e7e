#if REGSPEC_FAULTS
extension Tolerance {
    /// The verdict a tolerance fault gives, or nil to judge as the harness should.
    func faultyAcceptance(of actual: Double, expected: Double) -> Bool? {
        if HarnessFault.isActive(.infinityMatchesAnything), expected.isInfinite { return true }
        if HarnessFault.isActive(.nanAlwaysMatchesNaN), actual.isNaN, expected.isNaN { return true }
        guard actual.isFinite, expected.isFinite else { return nil }
        if HarnessFault.isActive(.toleranceOneSided) { return actual - expected <= allowance(for: expected) }
        if HarnessFault.isActive(.toleranceRelativeToActual) { return abs(actual - expected) <= absolute + relative * abs(actual) }
        return nil
    }
}
#endif
