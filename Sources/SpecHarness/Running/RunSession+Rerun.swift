extension RunSession {
    /// Why the failed cases of a saved report cannot be rerun.
    package enum RerunRefusal: Error, Sendable, Equatable {
        /// The report is of other spec files: its ids could name other cases, or none.
        case otherSuite(version: String, contentHash: String, expectedHash: String)
        /// None of the cases that failed in the report is among the selected ones.
        case noneSelected(failed: Int)
    }

    /// The cases of `cases` that failed, errored or unexpectedly passed in `saved` (pytest's
    /// `--lf`), or nil when none did there, so every selected case runs.
    /// - Throws: ``RerunRefusal`` when `saved` is another suite's, or its failures are not selected.
    package static func casesToRerun(
        failedIn saved: ReportDocument, among cases: [SpecCase], of suite: LoadedSuite
    ) throws(RerunRefusal) -> [SpecCase]? {
        let suiteHash = SuiteIdentity(suite).contentHash
        guard saved.suite.contentHash == suiteHash else {
            throw .otherSuite(version: saved.suite.version, contentHash: saved.suite.contentHash, expectedHash: suiteHash)
        }
        let failed = Set(saved.cases.filter { [.failed, .errored, .xpassed].contains($0.status) }.map(\.id))
        guard !failed.isEmpty else { return nil }
        let rerun = cases.filter { failed.contains($0.id) }
        guard !rerun.isEmpty else { throw .noneSelected(failed: failed.count) }
        return rerun
    }
}
