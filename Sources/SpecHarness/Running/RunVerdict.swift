/// Whether a run may be called a pass beyond its case counts: a run that executed nothing, or
/// ran against an engine lacking a core capability, proves nothing and fails.
public struct RunVerdict: Sendable, Equatable, Codable {
    /// Why the run fails although no case failed; empty when nothing stands in the way.
    public var problems: [String]
    /// What a reader should know without it failing the run, e.g. a partial engine allowed.
    public var notes: [String]

    public init(problems: [String] = [], notes: [String] = []) {
        self.problems = problems
        self.notes = notes
    }

    public var passes: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case problems, notes
    }

    /// How the run treats an engine that lacks core capabilities.
    public struct Policy: Sendable, Equatable {
        /// `--allow-partial-engine`: test what the engine has, skip the rest.
        public var allowsPartialEngine: Bool
        /// The user chose the cases (`--tag`, `--filter`, `--case`, `--exclude-tag`), so
        /// skipping the ones a partial engine cannot run is what they asked for.
        public var selectionNarrowed: Bool

        public init(allowsPartialEngine: Bool = false, selectionNarrowed: Bool = false) {
            self.allowsPartialEngine = allowsPartialEngine
            self.selectionNarrowed = selectionNarrowed
        }

        /// The whole suite against an engine that must conform.
        public static let conformance = Policy()
    }

    /// Judges results against the engine that produced them.
    /// - Parameters:
    ///   - results: the selected cases' results.
    ///   - engine: what the engine announced (its capabilities decide whether it conforms).
    ///   - policy: how a partial engine and a narrowed selection are treated.
    ///   - interrupted: a signal cut the run short, so `results` are the cases that
    ///     finished before it, not all those selected.
    public static func judge(_ results: [CaseResult], engine: EngineDescription, policy: Policy, interrupted: Bool = false) -> RunVerdict {
        var verdict = RunVerdict()
        let missingCore = Capability.core.filter { !engine.capabilities.contains($0) }
        if !missingCore.isEmpty {
            let lacks = "engine \(engine.name) lacks the core capabilit\(missingCore.count == 1 ? "y" : "ies") \(missingCore.joined(separator: ", "))"
            if policy.allowsPartialEngine || policy.selectionNarrowed {
                let how = policy.allowsPartialEngine ? "--allow-partial-engine" : "the run was narrowed"
                verdict.notes.append("\(lacks): a partial engine, not a conforming one (\(how)); cases needing them were skipped")
            } else {
                verdict.problems.append(
                    "\(lacks), which semantics sections 1-11 need: it is not conforming. "
                        + "To test what it has, pass --allow-partial-engine or narrow the run (--tag, --filter, --case, --exclude-tag)")
            }
        }
        if let nothingRan = nothingRan(results.map(\.status), interrupted: interrupted) { verdict.problems.append(nothingRan) }
        return verdict
    }

    /// The problem of a run in which no case executed, or nil when one did.
    static func nothingRan(_ statuses: [CaseResult.Status], interrupted: Bool = false) -> String? {
        let skipped = statuses.filter { $0 == .skipped }.count
        if statuses.isEmpty {
            return nothingRanPrefix + (interrupted ? "the run was interrupted before any case finished" : "none was selected")
        }
        guard skipped == statuses.count else { return nil }
        if interrupted {
            return nothingRanPrefix + "the \(skipped) case(s) that finished before the interruption were skipped"
        }
        return nothingRanPrefix + (skipped == 1 ? "the one selected case was skipped" : "all \(skipped) selected cases were skipped")
    }

    private static let nothingRanPrefix = "no case ran: "

    /// The verdict of shard reports merged into one: each engine problem and note once, and
    /// whether anything ran judged again on all the shards' cases together.
    public static func merging(_ verdicts: [RunVerdict], statuses: [CaseResult.Status]) -> RunVerdict {
        func unique(_ lines: [String]) -> [String] {
            var seen = Set<String>()
            return lines.filter { seen.insert($0).inserted }
        }
        var merged = RunVerdict(
            problems: unique(verdicts.flatMap(\.problems).filter { !$0.hasPrefix(nothingRanPrefix) }),
            notes: unique(verdicts.flatMap(\.notes)))
        if let nothingRan = nothingRan(statuses) { merged.problems.append(nothingRan) }
        return merged
    }

    /// Skip reasons grouped, most frequent first (ties in order of appearance): `(reason, count)`.
    public static func skipReasons(_ reasons: [String]) -> [(reason: String, count: Int)] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for reason in reasons {
            if counts[reason] == nil { order.append(reason) }
            counts[reason, default: 0] += 1
        }
        return order.enumerated()
            .sorted { (counts[$0.element] ?? 0, -$0.offset) > (counts[$1.element] ?? 0, -$1.offset) }
            .map { ($0.element, counts[$0.element] ?? 0) }
    }
}
