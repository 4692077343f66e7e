/// Combining saved reports: the shards of one engine into one report, several engines into
/// one conformance table, and what changed between two reports of one engine.
public enum ReportMerge {
    /// The reports grouped by engine (label, name, language and version), each group merged.
    /// - Throws: `ReportMergeError` when one engine's reports ran different suites or overlap
    ///   with different outcomes.
    public static func byEngine(_ documents: [ReportDocument]) throws(ReportMergeError) -> [ReportDocument] {
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
        for group in groups { merged.append(try shards(group.documents)) }
        return merged
    }

    /// One report from the shard reports of one engine, its cases in suite order, so that it
    /// renders exactly as the unsharded run would (durations aside).
    public static func shards(_ documents: [ReportDocument]) throws(ReportMergeError) -> ReportDocument {
        guard var merged = documents.first else { throw ReportMergeError("no reports to merge") }
        guard documents.count > 1 else { return merged }
        let hashes = Set(documents.map(\.suite.contentHash))
        guard hashes.count == 1 else {
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

    /// Shards a set of shard reports lacks, e.g. `["2/4"]` when only 1, 3 and 4 were given.
    public static func missingShards(_ documents: [ReportDocument]) -> [String] {
        let shards = documents.compactMap { $0.selection.shard.flatMap(Shard.init) }
        guard let count = shards.first?.count, shards.allSatisfy({ $0.count == count }) else { return [] }
        let present = Set(shards.map(\.index))
        return (1...count).filter { !present.contains($0) }.map { "\($0)/\(count)" }
    }
}

/// Reports that cannot be combined, and why.
public struct ReportMergeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = "error: " + message }
}
