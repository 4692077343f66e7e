/// How one case came out.
public struct CaseResult: Sendable {
    public enum Outcome: Sendable {
        case passed
        case failed([Mismatch])
        /// The engine broke; the case could not be judged.
        case errored(EngineFailure)
        case skipped(reason: String)
    }

    public var caseID: String
    public var summary: String
    public var suite: String
    public var location: SourceLocation
    public var outcome: Outcome
    public var duration: Duration
    /// Why the case is listed as an expected failure, when it is.
    public var expectedFailure: String?

    public init(
        caseID: String, summary: String, suite: String, location: SourceLocation, outcome: Outcome,
        duration: Duration, expectedFailure: String? = nil
    ) {
        self.caseID = caseID
        self.summary = summary
        self.suite = suite
        self.location = location
        self.outcome = outcome
        self.duration = duration
        self.expectedFailure = expectedFailure
    }

    public var status: Status {
        switch (outcome, expectedFailure) {
        case (.passed, nil): return .passed
        case (.passed, _?): return .xpassed
        case (.failed, nil): return .failed
        case (.errored, nil): return .errored
        case (.failed, _?), (.errored, _?): return .xfailed
        case (.skipped, _): return .skipped
        }
    }

    /// The outcome's name, as every report spells it. `xfailed` and `xpassed` are cases
    /// listed as expected failures that failed, or unexpectedly passed.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case passed, failed, errored, skipped, xfailed, xpassed
    }
}
