/// How one case came out.
public struct CaseResult: Sendable {
    public enum Outcome: Sendable {
        case passed
        case failed([Mismatch])
        /// The engine broke; the case could not be judged.
        case errored(String)
        case skipped(reason: String)
    }

    public var caseID: String
    public var summary: String
    public var suite: String
    public var location: SourceLocation
    public var outcome: Outcome
    public var duration: Duration

    public var status: Status {
        switch outcome {
        case .passed: return .passed
        case .failed: return .failed
        case .errored: return .errored
        case .skipped: return .skipped
        }
    }

    /// The outcome's name, as every report spells it.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case passed, failed, errored, skipped
    }
}
