#if REGSPEC_FAULTS
import Synchronization

/// One deliberate bug in the harness's own checks, for proving that its negative controls
/// catch it: a checker that cannot fail would pass every engine, so the checks are mutated
/// as the reference is (`docs/mutation.md`, "The harness checked").
///
/// Compiled only where `REGSPEC_FAULTS` is defined (debug builds of this package): a release
/// build of the harness carries no hook at all.
package enum HarnessFault: String, CaseIterable, Sendable {
    case toleranceOneSided = "tolerance-one-sided"
    case toleranceRelativeToActual = "tolerance-relative-to-actual"
    case infinityMatchesAnything = "infinity-matches-anything"
    case nanAlwaysMatchesNaN = "nan-always-matches-nan"
    case arrayVerdictFromWorstElement = "array-verdict-from-worst-element"
    case absentChecksSkipped = "absent-checks-skipped"
    case keySetComparedAsSubset = "key-set-compared-as-subset"
    case invariantsOff = "invariants-off"
    case requestCountsIgnored = "request-counts-ignored"
    case errorKindIgnored = "error-kind-ignored"
    case shardCountIgnored = "shard-count-ignored"
    case suiteHashIgnored = "suite-hash-ignored"

    /// What the broken harness does, in one line.
    package var summary: String {
        switch self {
        case .toleranceOneSided: return "accepts any actual value below the expected one (the sign of the difference kept)"
        case .toleranceRelativeToActual: return "scales rtol by |actual| instead of |expected|"
        case .infinityMatchesAnything: return "accepts any value where an infinity is expected"
        case .nanAlwaysMatchesNaN: return "matches NaN with NaN without equal_nan"
        case .arrayVerdictFromWorstElement: return "passes an array when no worst element can be ranked"
        case .absentChecksSkipped: return "never checks absent paths"
        case .keySetComparedAsSubset: return "accepts extra keys in a key set (only missing keys fail)"
        case .invariantsOff: return "applies no invariant beyond what the case states"
        case .requestCountsIgnored: return "ignores the request counts a case states"
        case .errorKindIgnored: return "accepts any error kind where the case names one"
        case .shardCountIgnored: return "merges a partial shard set without counting what it lacks"
        case .suiteHashIgnored: return "merges shard reports of different suites"
        }
    }

    @TaskLocal private static var current: HarnessFault?
    private static let armed = Atomic<Bool>(false)

    /// Whether `fault` is switched on for the current task.
    @inline(__always)
    package static func isActive(_ fault: HarnessFault) -> Bool {
        armed.load(ordering: .relaxed) && current == fault
    }

    /// Runs `operation` with `fault` switched on for it and every task it starts (nil: none).
    package static func injecting<Result>(_ fault: HarnessFault?, _ operation: () throws -> Result) rethrows -> Result {
        armed.store(true, ordering: .sequentiallyConsistent)
        return try $current.withValue(fault, operation: operation)
    }
}
#endif
