/// Everything a run produced, in suite order, for the reporters.
public struct RunReport: Sendable {
    public var engine: EngineDescription
    public var results: [CaseResult]
    public var duration: Duration
    /// The run was cut short (by a signal): `results` holds only the cases that finished.
    public var incomplete = false

    public func count(_ status: CaseResult.Status) -> Int {
        results.filter { $0.status == status }.count
    }

    /// `N passed, N failed, N errored, N skipped`: the closing line CI reads; expected
    /// failures add `, N xfailed, N xpassed` as pytest does, only when there are any.
    public var summaryLine: String {
        var statuses: [CaseResult.Status] = [.passed, .failed, .errored, .skipped]
        if count(.xfailed) + count(.xpassed) > 0 { statuses += [.xfailed, .xpassed] }
        return statuses.map { "\(count($0)) \($0.rawValue)" }.joined(separator: ", ")
    }

    /// Whether CI should go green: nothing failed or errored, and no expected failure passed
    /// (so the list of expected failures is kept honest).
    public var succeeded: Bool { count(.failed) == 0 && count(.errored) == 0 && count(.xpassed) == 0 }
}
