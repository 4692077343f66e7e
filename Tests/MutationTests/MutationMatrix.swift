#if REGSPEC_FAULTS
import Foundation
import SpecHarness
import TinkerWire
import TrainingClient

/// How the shipped suite fared against one broken reference.
struct FaultRun: Sendable {
    /// nil for the unbroken reference.
    let fault: ReferenceFault?
    /// The ids of the cases that did not pass, in suite order.
    let notPassed: [String]
    let caseCount: Int
}

/// Runs the whole suite (`specs/`) once per fault, one fault at a time, and remembers each
/// run, so that the per-fault tests and the table share one matrix.
///
/// Runs are serialized: cases that race async fns against each other keep their timing
/// when the suite is not also competing with 50 other copies of itself.
actor MutationMatrix {
    static let shared = MutationMatrix()

    /// The package root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `REGSPEC_MUTATION_FAULTS=id,id` narrows the matrix to those faults; unset, every fault runs.
    static let requestedIDs: [String]? = ProcessInfo.processInfo.environment["REGSPEC_MUTATION_FAULTS"].map {
        $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static var selectedFaults: [ReferenceFault] {
        guard let requestedIDs else { return ReferenceFault.allCases }
        return ReferenceFault.allCases.filter { requestedIDs.contains($0.rawValue) }
    }

    static var unknownRequestedIDs: [String] {
        (requestedIDs ?? []).filter { ReferenceFault(rawValue: $0) == nil }
    }

    /// The shipped suite (or `REGSPEC_MUTATION_SPECS`, a spec file or folder), loaded once.
    static let suite = SpecLoader().load(paths: [
        ProcessInfo.processInfo.environment["REGSPEC_MUTATION_SPECS"] ?? packageRoot + "/specs"
    ])

    private var runs: [String: Task<FaultRun, Never>] = [:]
    private var lastRun: Task<FaultRun, Never>?

    /// The suite's outcome with `fault` switched on (nil: unbroken), computed once.
    func run(_ fault: ReferenceFault?) async -> FaultRun {
        let key = fault?.rawValue ?? ""
        if let existing = runs[key] { return await existing.value }
        let previous = lastRun
        let task = Task {
            _ = await previous?.value
            return await Self.execute(fault)
        }
        runs[key] = task
        lastRun = task
        return await task.value
    }

    private static func execute(_ fault: ReferenceFault?) async -> FaultRun {
        let engine = FaultInjectedEngine(fault: fault)
        let cases = suite.cases
        // A fault may make a case wait for a delay it should have cut short (timeout-ignored waits 3 s).
        let runner = SuiteRunner(engine: engine, jobs: 4, caseTimeout: .seconds(30))
        let report = await runner.run(cases, description: engine.describe())
        let notPassed = report.results.filter { $0.status != .passed && $0.status != .skipped }.map(\.caseID)
        return FaultRun(fault: fault, notPassed: notPassed, caseCount: cases.count)
    }
}
#endif
