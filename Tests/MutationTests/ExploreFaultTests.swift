#if REGSPEC_FAULTS
import Foundation
import ReferenceEngine
import SpecHarness
import Testing
import TinkerWire
import TrainingClient

/// `regspec explore` against the reference broken one rule at a time: it must find each fault
/// from a fixed seed and shrink it to at most 2 datums and 2 regularizers.
@Suite("explore against reference faults", .serialized)
struct ExploreFaultTests {
    static func explorer(_ fault: ReferenceFault, seed: UInt64) -> Explorer {
        Explorer(
            generator: CaseGenerator(capabilities: Set(Capability.all)),
            check: DifferentialCheck(reference: ReferenceEngine(), engine: FaultInjectedEngine(fault: fault)), seed: seed)
    }

    /// The first disagreement within `limit` cases, and how many cases it took.
    static func firstFinding(_ explorer: Explorer, limit: Int) async -> (tried: Int, finding: Explorer.Finding?) {
        for number in 1...limit {
            if case .disagreed(let finding) = await explorer.explore(caseNumber: number) { return (number, finding) }
        }
        return (limit, nil)
    }

    /// One fault per area, each found from seed 1 within a few dozen cases.
    @Test("explore finds and shrinks each fault it is known to catch", arguments: [
        ReferenceFault.regularizerTotalDropsLast, .zeroWeightFnsSkipped, .weightsNotNegated,
        .missingLossCheckedAfterData, .regularizersEvaluatedInReverse, .legacyCustomMetricsNotMerged,
    ])
    func findsAndShrinks(_ fault: ReferenceFault) async throws {
        let (tried, finding) = await Self.firstFinding(Self.explorer(fault, seed: 1), limit: 150)
        let found = try #require(finding, "explore did not find \(fault.rawValue) in 150 cases of seed 1")
        #expect(found.shrunk.datums.count <= 2 && found.shrunk.call.regularizers.count <= 2,
                "\(fault.rawValue) shrank to \(found.shrunk.datums.count) datums, \(found.shrunk.call.regularizers.count) regularizers")
        #expect(tried <= 150)
    }

    /// The whole table, one line per fault (cases until the first disagreement, the shrunk
    /// case): a measurement, not a gate; run with REGSPEC_EXPLORE_FAULTS=1 (about 5 minutes).
    @Test("the explore fault table (set REGSPEC_EXPLORE_FAULTS)", .enabled(if: ProcessInfo.processInfo.environment["REGSPEC_EXPLORE_FAULTS"] != nil))
    func table() async {
        var lines = ["| fault | cases until found | shrunk to |", "| --- | --- | --- |"]
        for fault in ReferenceFault.allCases {
            let (tried, finding) = await Self.firstFinding(Self.explorer(fault, seed: 1), limit: 500)
            guard let finding else {
                lines.append("| `\(fault.rawValue)` | not in \(tried) | |")
                continue
            }
            let shrunk = finding.shrunk
            var fns: [String] = shrunk.call.lossFn.map { ["loss_fn \($0.name)"] } ?? []
            fns += shrunk.call.regularizers.compactMap { entry in entry.fn.map { "reg \($0.name)" } }
            lines.append("| `\(fault.rawValue)` | \(tried) | \(shrunk.datums.count) datum(s), \(shrunk.datums.map(\.positions).reduce(0, +)) position(s), \(fns.joined(separator: ", ")); reference: \(finding.referenceOutcome); \(finding.shrunkMismatches.first?.path ?? "") |")
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
#endif
