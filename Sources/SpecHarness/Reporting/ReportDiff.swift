/// What changed between an old and a new report of one engine.
package struct ReportDiff: Sendable {
    package struct Change: Sendable, Equatable {
        package var id: String
        package var old: CaseResult.Status?
        package var new: CaseResult.Status?
    }

    /// Passing (or absent) before, failing, erroring or unexpectedly passing now.
    package var newlyFailing: [Change] = []
    /// Failing or erroring before, passing now.
    package var newlyPassing: [Change] = []
    /// In the old report only.
    package var removed: [String] = []
    /// What makes the two reports other than two runs of one engine on one suite: different
    /// engines, or different suites, each said in one line; empty when they are alike.
    package var identityDifferences: [String] = []

    package init(old: ReportDocument, new: ReportDocument) {
        let bad: Set<CaseResult.Status> = [.failed, .errored, .xpassed]
        let before = Dictionary(old.cases.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
        let after = Set(new.cases.map(\.id))
        for record in new.cases {
            let previous = before[record.id]
            let wasBad = previous.map(bad.contains) ?? false
            let isBad = bad.contains(record.status)
            if isBad && !wasBad { newlyFailing.append(Change(id: record.id, old: previous, new: record.status)) }
            if !isBad && wasBad && record.status != .skipped {
                newlyPassing.append(Change(id: record.id, old: previous, new: record.status))
            }
        }
        removed = old.cases.map(\.id).filter { !after.contains($0) }
        identityDifferences = Self.identityDifferences(old: old, new: new)
    }

    /// A diff is meant for two runs of one engine on one suite; anything else changes what a
    /// newly failing or passing case means, so it is said.
    static func identityDifferences(old: ReportDocument, new: ReportDocument) -> [String] {
        var differences: [String] = []
        func engine(_ identity: EngineIdentity) -> String {
            "\(UserText.quoted(identity.label)) (\(identity.name), \(identity.language) \(identity.version))"
        }
        let (before, after) = (old.engine, new.engine)
        if before.label != after.label || before.name != after.name || before.language != after.language {
            differences.append(
                "the reports are of different engines: OLD \(engine(before)), NEW \(engine(after)); the diff compares two implementations, not two runs of one")
        }
        func suite(_ identity: SuiteIdentity) -> String {
            "suite \(identity.version) (\(identity.contentHash.isEmpty ? "no content hash" : identity.contentHash))"
        }
        if old.suite.contentHash != new.suite.contentHash || old.suite.version != new.suite.version {
            differences.append(
                "the reports ran different suites: OLD \(suite(old.suite)), NEW \(suite(new.suite)); a case may have changed with the suite, not with the engine")
        }
        return differences
    }

    /// The diff as the console shows it.
    package func render() -> String {
        var lines = identityDifferences.map { "note: " + TextEscaping.oneLine($0) }
        func name(_ status: CaseResult.Status?) -> String { status?.rawValue ?? "absent" }
        if !newlyFailing.isEmpty {
            lines.append("newly failing (\(newlyFailing.count)):")
            lines += newlyFailing.map { "  \(TextEscaping.oneLine($0.id)): \(name($0.old)) -> \(name($0.new))" }
        }
        if !newlyPassing.isEmpty {
            lines.append("newly passing (\(newlyPassing.count)):")
            lines += newlyPassing.map { "  \(TextEscaping.oneLine($0.id)): \(name($0.old)) -> \(name($0.new))" }
        }
        if !removed.isEmpty {
            lines.append("no longer in the report (\(removed.count)):")
            lines += removed.map { "  \(TextEscaping.oneLine($0))" }
        }
        lines.append("\(newlyFailing.count) newly failing, \(newlyPassing.count) newly passing, \(removed.count) removed")
        return lines.joined(separator: "\n") + "\n"
    }
}
