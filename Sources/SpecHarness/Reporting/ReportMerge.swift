/// Combining saved reports: the shards of one engine into one report, several engines into
/// one conformance table, and what changed between two reports of one engine.
public enum ReportMerge {
    /// The reports grouped by engine (label, name, language and version), each group merged.
    /// - Parameters:
    ///   - documents: saved reports, of one engine or several.
    ///   - allowingPartialShards: a shard set that lacks shards or cases passes with a
    ///     note instead of failing (`--allow-partial-shards`).
    /// - Throws: `ReportMergeError` when one engine's reports ran different suites or overlap
    ///   with different outcomes.
    public static func byEngine(_ documents: [ReportDocument], allowingPartialShards: Bool = false) throws(ReportMergeError) -> [ReportDocument] {
        var groups: [(key: [String], documents: [ReportDocument])] = []
        for document in documents {
            let engine = document.engine
            let key = [engine.label, engine.name, engine.language, engine.version]
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].documents.append(document)
            } else {
                groups.append((key, [document]))
            }
        }
        var merged: [ReportDocument] = []
        for group in groups { merged.append(try shards(group.documents, allowingPartialShards: allowingPartialShards)) }
        return merged
    }

    /// One report from the shard reports of one engine, its cases in suite order, so that it
    /// renders exactly as the unsharded run would (durations aside).
    ///
    /// The merge must cover the selection (`ShardCoverage`): a missing shard, shards of
    /// different selections or splits, an invalid shard label or a case counted twice is a
    /// verdict problem, so every format fails it; a single shard's report is a partial set too.
    /// - Parameters:
    ///   - documents: the shard reports of one engine.
    ///   - allowingPartialShards: missing shards and cases become a verdict note.
    public static func shards(_ documents: [ReportDocument], allowingPartialShards: Bool = false) throws(ReportMergeError) -> ReportDocument {
        var merged = try combined(documents)
        merged.verdict = ShardCoverage(documents).applied(to: merged.verdict, allowingPartialShards: allowingPartialShards)
        return merged
    }

    /// The reports' cases and verdicts in one report, before judging its coverage.
    private static func combined(_ documents: [ReportDocument]) throws(ReportMergeError) -> ReportDocument {
        guard var merged = documents.first else { throw ReportMergeError("no reports to merge") }
        guard documents.count > 1 else { return merged }
        let hashes = Set(documents.map(\.suite.contentHash))
        #if REGSPEC_FAULTS
        let ignoresSuites = HarnessFault.isActive(.suiteHashIgnored)
        #else
        let ignoresSuites = false
        #endif
        guard hashes.count == 1 || ignoresSuites else {
            throw ReportMergeError(
                "the \(UserText.escaped(merged.engine.label)) reports ran different suites (content hashes \(UserText.escaped(hashes.sorted().joined(separator: ", ")))); rerun them on one suite")
        }
        var byID: [String: CaseRecord] = [:]
        for record in documents.flatMap(\.cases) {
            if let earlier = byID[record.id], earlier.status != record.status {
                throw ReportMergeError(
                    "case \(UserText.escaped(record.id)) is in two \(UserText.escaped(merged.engine.label)) reports with different outcomes (\(earlier.status.rawValue), \(record.status.rawValue)); merge the shards of one run")
            }
            byID[record.id] = record
        }
        let cases = byID.values.sorted { ($0.order, $0.id) < ($1.order, $1.id) }
        merged.cases = cases
        merged.totals = ReportDocument.totals(of: cases)
        merged.problems = documents.flatMap(\.problems)
        let verdicts = documents.compactMap(\.verdict)
        merged.verdict = verdicts.isEmpty ? nil : RunVerdict.merging(verdicts, statuses: cases.map(\.status))
        merged.incomplete = documents.contains(where: \.incomplete)
        merged.startedAt = documents.map(\.startedAt).min() ?? merged.startedAt
        // Shards run side by side on CI machines: the merged run took as long as the slowest.
        merged.durationSeconds = documents.map(\.durationSeconds).max() ?? 0
        merged.selection.shard = nil
        merged.suite.files = Array(Set(documents.flatMap(\.suite.files))).sorted()
        merged.hostname = Array(Set(documents.map(\.hostname))).sorted().joined(separator: ",")
        return merged
    }
}

/// Reports that cannot be combined, and why.
public struct ReportMergeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = "error: " + message }
}
