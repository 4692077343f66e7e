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
}
