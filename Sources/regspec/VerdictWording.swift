import SpecHarness

/// The verdict as the command line words it: each problem or note that a flag changes names
/// that flag, so the report says what to pass. The library words them without flags.
enum VerdictWording {
    /// `document` with its verdict worded for the command line (every report format shows it).
    static func worded(_ document: ReportDocument) -> ReportDocument {
        var document = document
        document.verdict = document.verdict.map { verdict in
            RunVerdict(problems: verdict.problems.map(problem), notes: verdict.notes.map(note))
        }
        return document
    }

    private static func problem(_ problem: RunVerdict.Problem) -> RunVerdict.Problem {
        switch problem {
        case .engineNotConforming(let engine, let lacking):
            .stated(
                "\(RunVerdict.lacks(engine, lacking)), which semantics sections 1-11 need: it is not conforming. "
                    + "To test what it has, pass --allow-partial-engine or narrow the run (--tag, --filter, --case, --exclude-tag)",
                kind: problem.kind)
        case .shardsMissing(let gap):
            .stated(gap + "; merge every shard's report, or pass --allow-partial-shards to accept a partial set", kind: problem.kind)
        case .nothingRan, .shardConflict, .stated:
            problem
        }
    }

    private static func note(_ note: RunVerdict.Note) -> RunVerdict.Note {
        switch note {
        case .partialEngine(let engine, let lacking, let reason):
            let how = reason == .allowed ? "--allow-partial-engine" : "the run was narrowed"
            return .stated("\(RunVerdict.lacks(engine, lacking)): a partial engine, not a conforming one (\(how)); cases needing them were skipped")
        case .partialShards(let gap):
            return .stated("a partial shard set, accepted by --allow-partial-shards: " + gap)
        case .stated:
            return note
        }
    }
}
