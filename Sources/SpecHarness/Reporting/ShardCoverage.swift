/// Whether the reports merged into one cover their selection exactly: every shard of one split
/// present, each case once, all of one selection. A lost CI artifact must not turn a job green
/// on part of the suite, so what the merge lacks fails it unless the user accepts a partial set.
package struct ShardCoverage: Sendable, Equatable {
    /// Inconsistencies no option accepts: an invalid shard label, reports of different
    /// selections or splits, a case counted twice.
    package var conflicts: [String] = []
    /// What the merge lacks (shards, cases): fails it unless partial shard sets are allowed.
    package var gaps: [String] = []

    /// How many missing shards or duplicated ids a line names before it says "and N more".
    static let listed = 8

    /// Judges the reports of one engine. A single report that is not a shard is a whole run,
    /// not a merge, and is not judged here.
    package init(_ documents: [ReportDocument]) {
        let labels = documents.map(\.selection.shard)
        guard documents.count > 1 || labels.contains(where: { $0 != nil }) else { return }

        var shards: [Shard] = []
        for label in labels {
            guard let label else { continue }
            if let shard = Shard(label) {
                shards.append(shard)
            } else {
                conflicts.append(
                    "shard label \(Self.quoted(label)) is not I/N with 1 <= I <= N: that report is no shard of a split; merge the reports of one I/N split")
            }
        }
        let unsharded = labels.filter { $0 == nil }.count
        if unsharded > 0 && unsharded < documents.count {
            conflicts.append(
                "\(unsharded) report(s) without a shard label are merged with shard reports: a whole run and its shards count cases twice; merge the shards of one run only")
        }
        let counts = Array(Set(shards.map(\.count))).sorted()
        if counts.count > 1 {
            conflicts.append(
                "the shards come from different splits (\(Self.names(shards.map { "\($0.index)/\($0.count)" }))): merge the shards of one I/N split")
        }
        var seenShards = Set<[Int]>()
        let repeated = shards.filter { !seenShards.insert([$0.index, $0.count]).inserted }.map { "\($0.index)/\($0.count)" }
        if !repeated.isEmpty {
            conflicts.append("shard(s) \(Self.names(Array(Set(repeated)).sorted())) are given more than once: each shard's report must be merged once")
        }

        let selections = Self.distinct(documents.map(Self.describe))
        if selections.count > 1 {
            conflicts.append(
                "the reports ran different selections (\(selections.joined(separator: "; "))): merge the shards of one run, which share one selection")
        }

        var counted: [String: Int] = [:]
        var order: [String] = []
        for record in documents.flatMap(\.cases) {
            if counted[record.id] == nil { order.append(record.id) }
            counted[record.id, default: 0] += 1
        }
        let twice = order.filter { (counted[$0] ?? 0) > 1 }
        if !twice.isEmpty {
            conflicts.append(
                "\(twice.count) case id(s) are counted more than once (\(Self.names(twice.map { UserText.quoted($0) }))): each case belongs to one shard; merge each shard's report once")
        }

        // What is missing: the cases of the one selection, and the shards of the one split
        // that should have held them (a shard that held none of the cases lacks nothing).
        var missingShards: [String] = []
        var missingShardCount = 0
        let split = counts.count == 1 ? counts.first : nil
        if let split {
            let present = Set(shards.map(\.index))
            missingShardCount = split - present.count
            var index = 1
            while index <= split && missingShards.count < Self.listed {
                if !present.contains(index) { missingShards.append("\(index)/\(split)") }
                index += 1
            }
        }
        let totals = Set(documents.map(\.selection.selectedCases))
        let digests = Set(documents.map(\.selection.selectedDigest))
        var missingCases: String?
        if selections.count == 1, totals.count == 1, let total = totals.first ?? nil {
            let covered = counted.count
            if covered < total {
                missingCases = "\(total - covered) of the \(total) selected cases"
            } else if covered > total || (digests.first ?? nil).map({ $0 != SelectionRecord.digest(of: counted.keys) }) == true {
                conflicts.append(
                    "the reports' \(covered) case(s) are not the \(total) cases their selection matched: merge the shards of one run of one suite")
            }
        } else if missingShardCount > 0 {
            missingCases = "an unknown number of the selected cases (the reports do not record `selection.selected_cases`)"
        }
        #if REGSPEC_FAULTS
        if HarnessFault.isActive(.shardCountIgnored) { return }
        #endif
        if let missingCases, let split {
            if missingShardCount > 0 {
                let more = missingShardCount - missingShards.count
                let names = missingShards.joined(separator: ", ") + (more > 0 ? " and \(more) more" : "")
                gaps.append("the merge lacks shard(s) \(names) of \(split) and \(missingCases)")
            } else {
                gaps.append("the merge lacks \(missingCases) although all \(split) shards are present (a shard run stopped early)")
            }
        } else if let missingCases {
            gaps.append("the merge lacks \(missingCases)")
        }
    }

    /// Nothing in the way of calling the merge whole.
    package var isEmpty: Bool { conflicts.isEmpty && gaps.isEmpty }

    /// `verdict` with the conflicts as problems, and the gaps as problems or, when a partial
    /// shard set is allowed, as notes.
    package func applied(to verdict: RunVerdict?, allowingPartialShards: Bool) -> RunVerdict? {
        guard !isEmpty else { return verdict }
        var result = verdict ?? RunVerdict()
        result.problems += conflicts.map(RunVerdict.Problem.shardConflict)
        if allowingPartialShards {
            result.notes += gaps.map(RunVerdict.Note.partialShards)
        } else {
            result.problems += gaps.map(RunVerdict.Problem.shardsMissing)
        }
        return result
    }

    /// A selection in words: `18 case(s) (tag 'x')`, so two of them can be told apart.
    private static func describe(_ document: ReportDocument) -> String {
        let selection = document.selection
        var options: [String] = []
        if let filter = selection.filter { options.append("filter \(quoted(filter))") }
        options += selection.tags.map { "tag \(quoted($0))" }
        options += selection.excludedTags.map { "without tag \(quoted($0))" }
        options += selection.caseIDs.map { "case \(quoted($0))" }
        let size = selection.selectedCases.map { "\($0) case(s)" } ?? "an unrecorded number of cases"
        let digest = selection.selectedDigest.map { " " + String($0.prefix(19)) } ?? ""
        return size + digest + (options.isEmpty ? " (the whole suite)" : " (" + options.joined(separator: ", ") + ")")
    }

    private static func distinct(_ texts: [String]) -> [String] {
        var seen = Set<String>()
        return texts.filter { seen.insert($0).inserted }
    }

    /// At most `listed` names, then how many more.
    private static func names(_ items: [String]) -> String {
        let shown = items.prefix(listed).joined(separator: ", ")
        return items.count > listed ? shown + " and \(items.count - listed) more" : shown
    }

    /// A label or option from a report file, escaped and cut short: the file may hold anything.
    private static func quoted(_ text: String) -> String {
        UserText.quoted(text.count > 60 ? String(text.prefix(60)) + "…" : text)
    }
}
