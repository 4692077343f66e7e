import Foundation
import SpecHarness

/// Cases per second for the shipped suite: in process, through one persistent `regspec serve`,
/// and spawning one engine process per case as CommonMark's spec runner does.
struct SuiteThroughput {
    let specs: String
    let quick: Bool

    func measure() async throws -> [BenchRecord] {
        let suite = SpecLoader().load(paths: [specs])
        guard suite.diagnostics.isEmpty else {
            throw ValidationFailure("the specs at \(specs) do not load:\n" + suite.diagnostics.map(\.description).joined(separator: "\n"))
        }
        // Cases that sleep (async delays, timeouts) measure their sleeps, not the harness.
        let computeBound = suite.cases.filter { specCase in
            specCase.input.call.allFns.allSatisfy { ($0.delayMilliseconds ?? 0) == 0 }
                && specCase.input.call.options.timeoutMilliseconds == nil
        }
        var records: [BenchRecord] = []
        let group = "1. suite throughput (\(computeBound.count) of \(suite.cases.count) cases; those that sleep left out)"

        let reference = ReferenceEngine()
        let repetitions = quick ? 3 : 30
        let inProcess = try await Stopwatch.seconds {
            for _ in 0..<repetitions {
                for specCase in computeBound {
                    let observation = await reference.run(specCase.input)
                    guard CaseChecker(specCase).check(observation).isEmpty else {
                        throw ValidationFailure("case \(specCase.id) fails against the reference")
                    }
                }
            }
        }
        let inProcessPerCase = inProcess / Double(repetitions * computeBound.count)
        records.append(BenchRecord(group: group, name: "in process, run + check", value: 1 / inProcessPerCase, unit: "cases/s", note: "target >= 10000"))

        let wholeSuite = await Stopwatch.seconds {
            _ = await SuiteRunner(engine: reference, jobs: 1).run(suite.cases, description: ReferenceEngine.description)
        }
        records.append(BenchRecord(group: group, name: "whole suite in process, sleeps included", value: wholeSuite, unit: "s", note: "\(suite.cases.count) cases, --jobs 1"))

        // The protocol's JSON work for a case, both sides, without processes: what a round
        // trip costs before any pipe or wake-up.
        var observations: [Observation] = []
        for specCase in computeBound { observations.append(await reference.run(specCase.input)) }
        let codecRepetitions = quick ? 3 : 20
        let codec = try await Stopwatch.seconds {
            for _ in 0..<codecRepetitions {
                for (specCase, observation) in zip(computeBound, observations) {
                    let sent = EngineProtocol.runMessage(sequence: 1, input: specCase.input).serialized()
                    _ = try CaseInput(json: try JSONParser.parse(sent)["case"] ?? .null)
                    let reply = EngineProtocol.runReply(sequence: 1, observation: observation).serialized()
                    _ = try Observation(json: try JSONParser.parse(reply)["observation"] ?? .null)
                }
            }
        }
        records.append(BenchRecord(
            group: group, name: "protocol JSON per case, both sides", value: codec / Double(codecRepetitions * computeBound.count) * 1e6,
            unit: "us", note: "encode + parse + decode of the run message and its reply"))

        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("regspec").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            records.append(BenchRecord(group: group, name: "protocol benchmarks skipped", value: 0, unit: "", note: "no regspec binary beside this one (\(binary))"))
            return records
        }
        let persistent = ProcessEngine(command: "\(binary) serve")
        _ = try await persistent.describe()
        let protocolRepetitions = quick ? 2 : 10
        let served = try await Stopwatch.seconds {
            for _ in 0..<protocolRepetitions {
                for specCase in computeBound {
                    let observation = try await persistent.run(specCase.input)
                    guard CaseChecker(specCase).check(observation).isEmpty else {
                        throw ValidationFailure("case \(specCase.id) fails through regspec serve")
                    }
                }
            }
        }
        await persistent.shutdown()
        let servedPerCase = served / Double(protocolRepetitions * computeBound.count)
        records.append(BenchRecord(group: group, name: "persistent regspec serve", value: 1 / servedPerCase, unit: "cases/s"))
        records.append(BenchRecord(
            group: group, name: "protocol round trip per case", value: (servedPerCase - inProcessPerCase) * 1e6, unit: "us",
            note: "serve minus in process; target <= 200"))

        let spawnCases = Array(computeBound.prefix(quick ? 5 : 40))
        let spawned = try await Stopwatch.seconds {
            for specCase in spawnCases {
                let engine = ProcessEngine(command: "\(binary) serve")
                _ = try await engine.describe()
                _ = try await engine.run(specCase.input)
                await engine.shutdown()
            }
        }
        let spawnedPerCase = spawned / Double(spawnCases.count)
        records.append(BenchRecord(group: group, name: "one process per case", value: 1 / spawnedPerCase, unit: "cases/s", note: "\(spawnCases.count) cases"))
        records.append(BenchRecord(
            group: group, name: "persistent vs one process per case", value: spawnedPerCase / servedPerCase, unit: "x faster"))
        return records
    }
}

/// A benchmark that cannot measure what it should.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
