/// The range a spec's durations (`timeout_ms`, `delay_ms`) may take.
///
/// Converting a NaN or infinite number to a `Duration` traps, so every duration that comes
/// from a spec file or a protocol message is checked against this first.
enum Milliseconds {
    /// One hour: far beyond any sensible case, well inside what a Duration holds.
    static let maximum = 3_600_000.0

    /// Whether `value` is a finite number of milliseconds in `minimum...maximum`.
    static func isValid(_ value: Double, minimum: Double) -> Bool {
        value.isFinite && value >= minimum && value <= maximum
    }
}
