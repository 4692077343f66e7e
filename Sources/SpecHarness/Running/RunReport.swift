/// Everything a run produced, in suite order, for the reporters.
public struct RunReport: Sendable {
    public var engine: EngineDescription
    public var results: [CaseResult]
    public var duration: Duration
    /// Why the run fails beyond its cases (nothing ran, a non-conforming engine), if it does.
    public var verdict = RunVerdict()

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

    /// Whether CI should go green: nothing failed or errored, no expected failure passed
    /// (so the list of expected failures is kept honest), and the verdict holds.
    public var succeeded: Bool { count(.failed) == 0 && count(.errored) == 0 && count(.xpassed) == 0 && verdict.passes }
}
