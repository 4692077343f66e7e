import Foundation
import ReferenceEngine
import SpecHarness
import TrainingClient

/// Cases per second of `regspec explore`: generate, run on the reference and on the engine,
/// judge, from seed 1, in process and against one persistent `regspec serve`. Wall time and
/// CPU time both: the wall time a case takes beyond its CPU time is time spent waiting,
/// on sleeps the generated fns draw or on the pipe.
struct ExploreThroughput {
    let quick: Bool

    static let group = "5. explore"
    static let targetInProcess = 5_000.0
    static let targetServe = 1_000.0

    func measure() async throws -> [BenchRecord] {
        var figures = BenchRecord.Group(Self.group)
        let inProcessCases = quick ? 300 : 3_000
        let inProcess = try await Self.explore(
            engine: ReferenceEngine(), capabilities: Set(Capability.all), cases: inProcessCases, engineRunsConcurrently: true)
        figures.target(
            "in process", Double(inProcessCases) / inProcess.wall, "cases/s", goal: .atLeast(Self.targetInProcess),
            note: inProcess.note(cases: inProcessCases))
        figures.figure(
            "in process, per CPU second", Double(inProcessCases) / inProcess.cpu, "cases/s",
            note: "the same cases over process CPU time: the rate without sleeps and waits for a core")

        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("regspec").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            // Unmeasured counts as not met: a target that vanished would read as one more met.
            figures.target("against regspec serve", .nan, "cases/s", goal: .atLeast(Self.targetServe),
                           note: "not measured: no regspec binary beside this one (\(binary)); `swift build -c release` builds both")
            return figures.records
        }
        let serveCases = quick ? 200 : 2_000
        let served = try await withEngine(ProcessEngine(command: "\(binary) serve")) { engine in
            let description = try await engine.describe()
            return try await Self.explore(engine: engine, capabilities: description.capabilities, cases: serveCases, engineRunsConcurrently: false)
        }
        figures.target(
            "against regspec serve", Double(serveCases) / served.wall, "cases/s", goal: .atLeast(Self.targetServe),
            note: served.note(cases: serveCases))
        figures.figure(
            "against regspec serve, per CPU second", Double(serveCases) / served.cpu, "cases/s",
            note: "over this process's CPU time only (serve's own is not counted)")
        let processes = 4
        let jobs = try await withEngine(ProcessEngine(command: "\(binary) serve", processes: processes)) { engine in
            let description = try await engine.describe()
            return try await Self.explore(engine: engine, capabilities: description.capabilities, cases: serveCases, engineRunsConcurrently: true)
        }
        figures.figure(
            "against \(processes) regspec serve processes", Double(serveCases) / jobs.wall, "cases/s",
            note: "explore --jobs \(processes): the engine's sleeps overlap across processes; " + jobs.note(cases: serveCases))
        return figures.records
    }

    struct Timing {
        var wall: Double
        var cpu: Double
        var disagreed: Int

        func note(cases: Int) -> String {
            String(format: "%d cases of seed 1; CPU busy %.0f %% of the wall time", cases, 100 * cpu / wall)
                + (disagreed == 0 ? "" : "; \(disagreed) DISAGREED (shrinking counted)")
        }
    }

    /// Explores `cases` cases of seed 1 as `regspec explore` does: `Explorer.defaultConcurrency`
    /// at once, outcomes taken in case order; an engine process is given one case after
    /// another, the in-process reference several at once.
    static func explore(engine: any Engine, capabilities: Set<Capability>, cases: Int, engineRunsConcurrently: Bool) async throws -> Timing {
        let explorer = Explorer(
            generator: CaseGenerator(capabilities: capabilities),
            check: DifferentialCheck(reference: ReferenceEngine(), engine: engine, engineCapabilities: capabilities),
            seed: 1, runLabel: "bench")
        var disagreed = 0
        var errored: String?
        let cpuStart = Stopwatch.processCPUSeconds()
        let wall = await Stopwatch.seconds {
            await explorer.explore(from: 1, through: cases, engineRunsConcurrently: engineRunsConcurrently) { number, outcome in
                switch outcome {
                case .agreed, .skipped: return true
                case .disagreed: disagreed += 1; return true
                case .errored(let message): errored = "explore case \(number) errored: \(message)"; return false
                }
            }
        }
        if let errored { throw ValidationFailure(errored) }
        return Timing(wall: wall, cpu: Stopwatch.processCPUSeconds() - cpuStart, disagreed: disagreed)
    }
}

#if REGSPEC_FAULTS
/// The explore fault table: for each fault of the reference, how many cases of seed 1
/// `explore` takes to find it (within `limit`), and the wall time it took. What the explore
/// figures above must not buy with fewer findings (Tests/MutationTests/ExploreFaultTests
/// prints the same table with the shrunk cases). The faults exist in debug builds only.
enum ExploreFaultTable {
    static func markdown(limit: Int) async -> String {
        var lines = ["| fault | cases until found | seconds |", "| --- | ---: | ---: |"]
        var found = 0
        for fault in ReferenceFault.allCases {
            let explorer = Explorer(
                generator: CaseGenerator(capabilities: Set(Capability.all)),
                check: DifferentialCheck(reference: ReferenceEngine(), engine: FaultyReference(fault: fault)), seed: 1, runLabel: "bench")
            var tried = 0
            var finding = false
            let seconds = await Stopwatch.seconds {
                for number in 1...limit {
                    tried = number
                    if case .disagreed = await explorer.explore(caseNumber: number) {
                        finding = true
                        return
                    }
                }
            }
            if finding { found += 1 }
            lines.append("| `\(fault.rawValue)` | \(finding ? "\(tried)" : "not in \(limit)") | \(String(format: "%.2f", seconds)) |")
        }
        lines.append("")
        lines.append("\(found) of \(ReferenceFault.allCases.count) faults found within \(limit) cases of seed 1.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The in-process reference with one fault on for every case it runs.
    struct FaultyReference: Engine {
        let fault: ReferenceFault
        let reference = ReferenceEngine()

        func describe() -> EngineDescription { ReferenceEngine.description }

        func run(_ input: CaseInput) async -> Observation {
            await ReferenceFault.injecting(fault) { await reference.run(input) }
        }
    }
}
#endif
