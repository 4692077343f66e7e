import Testing
@testable import SpecHarness

@Suite("Merging and comparing reports")
struct ReportMergeTests {
    func report(_ label: String, hash: String = "sha256:aa", shard: String? = nil, _ cases: [(String, Int, CaseResult.Status)]) -> ReportDocument {
        ReportDocument(
            suite: SuiteIdentity(contentHash: hash), engine: EngineIdentity(label: label, name: "e", language: "x", version: "1", capabilities: []),
            selection: SelectionRecord(shard: shard), startedAt: "2026-01-01T00:00:0\(cases.count)Z", durationSeconds: Double(cases.count),
            cases: cases.map { CaseRecord(id: $0.0, suite: String($0.0.prefix { $0 != "/" }), file: "f", line: 1, order: $0.1, checklist: ["item"], status: $0.2) })
    }

    @Test("shards merge in suite order with totals recounted; the slowest shard is the duration")
    func shards() throws {
        let one = report("e", shard: "1/3", [("b/x", 2, .passed), ("a/z", 5, .failed)])
        let two = report("e", shard: "2/3", [("a/y", 0, .errored)])
        let merged = try ReportMerge.shards([one, two])
        #expect(merged.cases.map(\.id) == ["a/y", "b/x", "a/z"])
        #expect(merged.totals["failed"] == 1 && merged.totals["errored"] == 1 && merged.totals["passed"] == 1)
        #expect(merged.durationSeconds == 2)
        #expect(merged.selection.shard == nil)
        #expect(merged.verdict?.problems.contains { $0.description.hasPrefix("the merge lacks shard(s) 3/3 of 3") } == true)
    }

    @Test("negative controls: different suites, or one case with two outcomes, are refused")
    func refusals() {
        #expect(throws: ReportMergeError.self) {
            try ReportMerge.shards([report("e", [("a/x", 0, .passed)]), report("e", hash: "sha256:bb", [("a/y", 1, .passed)])])
        }
        #expect(throws: ReportMergeError.self) {
            try ReportMerge.shards([report("e", [("a/x", 0, .passed)]), report("e", [("a/x", 0, .failed)])])
        }
    }

    /// A shard report of a selection of `ids`, holding `cases`.
    func shard(_ label: String, of ids: [String], _ cases: [String]) -> ReportDocument {
        var document = report("e", shard: label, cases.map { id in (id, ids.firstIndex(of: id) ?? 0, CaseResult.Status.passed) })
        document.selection = SelectionRecord(shard: label).whole(of: ids)
        return document
    }

    @Test("a merge covering its selection is whole, also when a shard that would hold no case is missing")
    func coverageWhole() throws {
        let ids = ["a/x", "a/y", "a/z"]
        let whole = try ReportMerge.shards([shard("1/3", of: ids, ["a/x", "a/z"]), shard("2/3", of: ids, ["a/y"])])
        #expect(whole.verdict == nil, "\(String(describing: whole.verdict))")
        #expect(whole.succeeded)
    }

    @Test("negative controls: missing cases, extra or other cases, and a split too large to list are verdict problems")
    func coverageGaps() throws {
        let ids = ["a/x", "a/y", "a/z"]
        let partial = try ReportMerge.shards([shard("1/3", of: ids, ["a/x"]), shard("2/3", of: ids, ["a/y"])])
        #expect(partial.verdict?.problems.first?.description.hasPrefix("the merge lacks shard(s) 3/3 of 3 and 1 of the 3 selected cases") == true)
        #expect(!partial.succeeded)
        let allowed = try ReportMerge.shards([shard("1/3", of: ids, ["a/x"]), shard("2/3", of: ids, ["a/y"])], allowingPartialShards: true)
        #expect(allowed.succeeded)
        #expect(allowed.verdict?.notes.first?.description.contains("3/3 of 3 and 1 of the 3 selected cases") == true)
        // Every shard there, a case missing: a shard run stopped early.
        let early = try ReportMerge.shards([shard("1/2", of: ids, ["a/x"]), shard("2/2", of: ids, ["a/y"])])
        #expect(early.verdict?.problems.first?.description.hasPrefix("the merge lacks 1 of the 3 selected cases although all 2 shards are present") == true)
        // As many cases as the selection, but not its cases.
        let other = try ReportMerge.shards([shard("1/2", of: ids, ["a/x", "b/q"]), shard("2/2", of: ids, ["a/y"])])
        #expect(other.verdict?.problems.map(\.description) == ["the reports' 3 case(s) are not the 3 cases their selection matched: merge the shards of one run of one suite"])
        // Every case there: the shards missing from a split far larger than the suite held none.
        let huge = try ReportMerge.shards([shard("2/\(Int.max)", of: ids, ids)])
        #expect(huge.verdict == nil)
        let many = ShardCoverage([shard("1/\(Int.max)", of: ids, ["a/x"])])
        #expect(many.gaps.first?.contains("2/\(Int.max), 3/\(Int.max)") == true)
        #expect(many.gaps.first?.contains("and \(Int.max - 1 - ShardCoverage.listed) more") == true)
    }

    @Test("several engines: one row per case, counts per engine by suite and checklist item")
    func table() throws {
        let engines = try ReportMerge.byEngine([
            report("good", [("a/x", 0, .passed), ("b/y", 1, .passed)]),
            report("bad", [("a/x", 0, .failed), ("b/y", 1, .passed)]),
        ])
        let table = ConformanceTable(engines)
        #expect(table.engines == ["good", "bad"])
        #expect(table.rows.map(\.id) == ["a/x", "b/y"])
        #expect(table.bySuite.map { "\($0.name) \($0.passed) \($0.ran)" } == ["a [1, 0] [1, 1]", "b [1, 1] [1, 1]"])
        #expect(table.byChecklistItem.first?.passed == [2, 1])
        #expect(table.renderText().contains("a/x"))
        #expect(!table.renderText().contains("b/y  "), "cases every engine passed are not listed")
    }

    @Test("the diff names newly failing and newly passing cases")
    func diff() {
        let old = report("e", [("a/x", 0, .passed), ("a/y", 1, .failed), ("a/gone", 2, .passed)])
        let new = report("e", [("a/x", 0, .errored), ("a/y", 1, .passed), ("a/new", 3, .failed)])
        let change = ReportDiff(old: old, new: new)
        #expect(change.newlyFailing.map(\.id) == ["a/x", "a/new"])
        #expect(change.newlyPassing.map(\.id) == ["a/y"])
        #expect(change.removed == ["a/gone"])
    }
}
