#if REGSPEC_FAULTS
import Foundation
import SpecHarness
import Testing
import TinkerWire
import TrainingClient

/// Mutation testing of the suite itself: the reference broken one rule at a time must fail
/// at least one shipped case. `docs/mutation.md` says how to read and extend it.
@Suite("Mutation score", .serialized)
struct MutationScoreTests {
    @Test("the shipped suite loads and the unbroken reference passes every case")
    func baselinePasses() async throws {
        try #require(MutationMatrix.suite.diagnostics.isEmpty, "\(MutationMatrix.suite.diagnostics)")
        let baseline = await MutationMatrix.shared.run(nil)
        #expect(baseline.caseCount > 0)
        #expect(baseline.notPassed.isEmpty, "the unbroken reference fails \(baseline.notPassed)")
    }

    @Test("REGSPEC_MUTATION_FAULTS names only known faults")
    func requestedFaultsExist() {
        let known = ReferenceFault.allCases.map(\.rawValue).joined(separator: ", ")
        #expect(MutationMatrix.unknownRequestedIDs.isEmpty, "unknown fault ids \(MutationMatrix.unknownRequestedIDs); known: \(known)")
    }

    @Test("each fault is caught by at least one case", arguments: MutationMatrix.selectedFaults)
    func faultIsCaught(_ fault: ReferenceFault) async {
        let table = MutationTable(baseline: await MutationMatrix.shared.run(nil), runs: [await MutationMatrix.shared.run(fault)])
        let catchers = table.catchers(of: table.runs[0])
        let survived: Comment = "\(fault.rawValue) survived: the reference \(fault.summary), and every case passed; add a case that fails on it"
        #expect(!catchers.isEmpty, survived)
    }

    @Test("the mutation table (printed; REGSPEC_MUTATION_REPORT=file also writes it as Markdown)")
    func table() async throws {
        let baseline = await MutationMatrix.shared.run(nil)
        var runs: [FaultRun] = []
        for fault in MutationMatrix.selectedFaults { runs.append(await MutationMatrix.shared.run(fault)) }
        let table = MutationTable(baseline: baseline, runs: runs)
        // One write, so the table is not interleaved with other tests' output.
        FileHandle.standardOutput.write(Data(("\n" + table.rendered()).utf8))
        if let path = ProcessInfo.processInfo.environment["REGSPEC_MUTATION_REPORT"] {
            try table.renderedInFull().write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(runs.count >= min(30, MutationMatrix.selectedFaults.count))
    }
}
#endif
