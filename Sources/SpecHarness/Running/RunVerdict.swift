/// Whether a run may be called a pass beyond its case counts: a run that executed nothing, or
/// ran against an engine lacking a core capability, proves nothing and fails. Problems and
/// notes are values; `description` words them, neutrally (a command adds how to change them).
public struct RunVerdict: Sendable, Equatable, Codable {
    /// Why the run fails although no case failed; empty when nothing stands in the way.
    public var problems: [Problem]
    /// What a reader should know without it failing the run, e.g. a partial engine allowed.
    public var notes: [Note]

    public init(problems: [Problem] = [], notes: [Note] = []) {
        self.problems = problems
        self.notes = notes
    }

    /// A verdict as a saved report states it.
    package init(statedProblems: [String], notes: [String] = []) {
        self.init(problems: statedProblems.map { .stated($0, kind: nil) }, notes: notes.map(Note.stated))
    }

    public var passes: Bool { problems.isEmpty }

    /// Why a run fails beyond its cases.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The engine lacks core capabilities, and the run was neither narrowed nor allowed a partial engine.
        case engineNotConforming(engine: String, lacking: [String])
        /// No case executed.
        case nothingRan(NothingRan)
        /// Merged reports contradict each other (shards of two splits, a case counted twice).
        case shardConflict(String)
        /// Merged shard reports lack shards or cases, and a partial set was not accepted.
        case shardsMissing(String)
        /// A problem as a saved report words it, with its kind when the report names it.
        case stated(String, kind: Kind?)

        /// What a problem is about, as reports name it (`problem_kinds`).
        public enum Kind: String, Sendable, Equatable, Codable {
            case engineNotConforming = "engine_not_conforming"
            case nothingRan = "nothing_ran"
            case shardConflict = "shard_conflict"
            case shardsMissing = "shards_missing"
        }

        public var kind: Kind? {
            switch self {
            case .engineNotConforming: .engineNotConforming
            case .nothingRan: .nothingRan
            case .shardConflict: .shardConflict
            case .shardsMissing: .shardsMissing
            case .stated(_, let kind): kind
            }
        }

        public var description: String {
            switch self {
            case .engineNotConforming(let engine, let lacking):
                "\(RunVerdict.lacks(engine, lacking)), which semantics sections 1-11 need: it is not conforming. "
                    + "To test what it has, allow a partial engine or narrow the run to the cases it can run"
            case .nothingRan(let why): "no case ran: \(why)"
            case .shardConflict(let text): text
            case .shardsMissing(let gap): "\(gap); merge every shard's report, or accept a partial set"
            case .stated(let text, _): text
            }
        }
    }

    /// Why no case executed.
    public enum NothingRan: Sendable, Equatable, CustomStringConvertible {
        case noneSelected
        case interruptedBeforeAnyFinished
        /// Every selected case was skipped.
        case allSkipped(count: Int)
        /// Every case that finished before the interruption was skipped.
        case skippedBeforeInterruption(count: Int)

        public var description: String {
            switch self {
            case .noneSelected: "none was selected"
            case .interruptedBeforeAnyFinished: "the run was interrupted before any case finished"
            case .allSkipped(let count): count == 1 ? "the one selected case was skipped" : "all \(count) selected cases were skipped"
            case .skippedBeforeInterruption(let count): "the \(count) case(s) that finished before the interruption were skipped"
            }
        }
    }

    /// What a reader should know about a run that does not fail it.
    public enum Note: Sendable, Equatable, CustomStringConvertible {
        /// The engine lacks core capabilities, and the run tested what it has.
        case partialEngine(engine: String, lacking: [String], because: PartialEngineReason)
        /// Merged shard reports lack shards or cases, and a partial set was accepted.
        case partialShards(String)
        /// A note as a saved report words it.
        case stated(String)

        public var description: String {
            switch self {
            case .partialEngine(let engine, let lacking, let reason):
                "\(RunVerdict.lacks(engine, lacking)): a partial engine, not a conforming one (\(reason)); cases needing them were skipped"
            case .partialShards(let gap): "a partial shard set, accepted: \(gap)"
            case .stated(let text): text
            }
        }
    }

    /// Why a partial engine was tested rather than failed.
    public enum PartialEngineReason: Sendable, Equatable, CustomStringConvertible {
        /// The run allowed a partial engine.
        case allowed
        /// The user chose the cases.
        case narrowed

        public var description: String {
            switch self {
            case .allowed: "a partial engine was allowed"
            case .narrowed: "the run was narrowed"
            }
        }
    }

    /// `engine NAME lacks the core capabilities A, B`.
    package static func lacks(_ engine: String, _ lacking: [String]) -> String {
        "engine \(engine) lacks the core capabilit\(lacking.count == 1 ? "y" : "ies") \(lacking.joined(separator: ", "))"
    }

    enum CodingKeys: String, CodingKey {
        case problems, notes, problemKinds = "problem_kinds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let texts = try container.decode([String].self, forKey: .problems)
        let kinds = try container.decodeIfPresent([Problem.Kind?].self, forKey: .problemKinds) ?? []
        problems = texts.enumerated().map { .stated($0.element, kind: $0.offset < kinds.count ? kinds[$0.offset] : nil) }
        notes = try container.decode([String].self, forKey: .notes).map(Note.stated)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(problems.map(\.description), forKey: .problems)
        try container.encode(notes.map(\.description), forKey: .notes)
        try container.encode(problems.map(\.kind), forKey: .problemKinds)
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
            if policy.allowsPartialEngine || policy.selectionNarrowed {
                let reason: PartialEngineReason = policy.allowsPartialEngine ? .allowed : .narrowed
                verdict.notes.append(.partialEngine(engine: engine.name, lacking: missingCore.map(\.rawValue), because: reason))
            } else {
                verdict.problems.append(.engineNotConforming(engine: engine.name, lacking: missingCore.map(\.rawValue)))
            }
        }
        if let nothingRan = nothingRan(results.map(\.status), interrupted: interrupted) { verdict.problems.append(.nothingRan(nothingRan)) }
        return verdict
    }

    /// Why no case of a run executed, or nil when one did.
    static func nothingRan(_ statuses: [CaseResult.Status], interrupted: Bool = false) -> NothingRan? {
        let skipped = statuses.filter { $0 == .skipped }.count
        if statuses.isEmpty { return interrupted ? .interruptedBeforeAnyFinished : .noneSelected }
        guard skipped == statuses.count else { return nil }
        return interrupted ? .skippedBeforeInterruption(count: skipped) : .allSkipped(count: skipped)
    }

    /// The verdict of shard reports merged into one: each engine problem and note once, and
    /// whether anything ran judged again on all the shards' cases together.
    public static func merging(_ verdicts: [RunVerdict], statuses: [CaseResult.Status]) -> RunVerdict {
        func unique<T: CustomStringConvertible>(_ items: [T]) -> [T] {
            var seen = Set<String>()
            return items.filter { seen.insert($0.description).inserted }
        }
        var merged = RunVerdict(
            problems: unique(verdicts.flatMap(\.problems).filter { !isNothingRan($0) }),
            notes: unique(verdicts.flatMap(\.notes)))
        if let nothingRan = nothingRan(statuses) { merged.problems.append(.nothingRan(nothingRan)) }
        return merged
    }

    /// Whether `problem` says no case ran. A report of regspec 0.1 names no kinds: its text is
    /// all there is to tell by.
    private static func isNothingRan(_ problem: Problem) -> Bool {
        if let kind = problem.kind { return kind == .nothingRan }
        return problem.description.hasPrefix("no case ran: ")
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
