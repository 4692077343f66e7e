/// Everything a run produced, in suite order, for the reporters.
public struct RunReport: Sendable {
    public var engine: EngineDescription
    public var results: [CaseResult]
    public var duration: Duration

    public func count(_ status: CaseResult.Status) -> Int {
        results.filter { $0.status == status }.count
    }

    /// `N passed, N failed, N errored, N skipped`: the closing line CI reads.
    public var summaryLine: String {
        CaseResult.Status.allCases.map { "\(count($0)) \($0.rawValue)" }.joined(separator: ", ")
    }

    /// Whether CI should go green: nothing failed and nothing errored.
    public var succeeded: Bool { count(.failed) == 0 && count(.errored) == 0 }
}
