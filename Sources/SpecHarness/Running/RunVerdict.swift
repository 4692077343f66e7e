/// Whether a run may be called a pass beyond its case counts: a run that executed nothing, or
/// ran against an engine lacking a core capability, proves nothing and fails.
public struct RunVerdict: Sendable, Equatable {
    /// Why the run fails although no case failed; empty when nothing stands in the way.
    public var problems: [String]
    /// What a reader should know without it failing the run, e.g. a partial engine allowed.
    public var notes: [String]

    public init(problems: [String] = [], notes: [String] = []) {
        self.problems = problems
        self.notes = notes
    }

    public var passes: Bool { problems.isEmpty }

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
    public static func judge(_ results: [CaseResult], engine: EngineDescription, policy: Policy) -> RunVerdict {
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
        let skipped = results.filter { $0.status == .skipped }.count
        if results.isEmpty {
            verdict.problems.append("no case ran: none was selected")
        } else if skipped == results.count {
            verdict.problems.append(skipped == 1 ? "no case ran: the one selected case was skipped" : "no case ran: all \(skipped) selected cases were skipped")
        }
        return verdict
    }

    /// Skipped cases grouped by reason, most frequent first: `(reason, count)`.
    public static func skipReasons(_ results: [CaseResult]) -> [(reason: String, count: Int)] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for result in results {
            guard case .skipped(let reason) = result.outcome else { continue }
            if counts[reason] == nil { order.append(reason) }
            counts[reason, default: 0] += 1
        }
        return order.enumerated()
            .sorted { (counts[$0.element] ?? 0, -$0.offset) > (counts[$1.element] ?? 0, -$1.offset) }
            .map { ($0.element, counts[$0.element] ?? 0) }
    }
}
