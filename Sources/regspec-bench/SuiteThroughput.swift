import Foundation
import ReferenceEngine
import SpecHarness

/// Cases per second for the shipped suite: in process, through one persistent `regspec serve`,
/// and spawning one engine process per case as CommonMark's spec runner does.
struct SuiteThroughput {
    let specs: String
    let quick: Bool

    /// Cases per second in process with every check on: what the suite ran at before the
    /// invariant, telemetry and float32 checks were added.
    static let targetInProcess = 30_000.0

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
        // The median pass over the suite: one slow pass on a busy machine does not decide it.
        let inProcess = try await Stopwatch.median(repetitions: repetitions) {
            for specCase in computeBound {
                let observation = await reference.run(specCase.input)
                guard CaseChecker(specCase).check(observation).isEmpty else {
                    throw ValidationFailure("case \(specCase.id) fails against the reference")
                }
            }
        }
        let inProcessPerCase = inProcess / Double(computeBound.count)
        records.append(BenchRecord(
            group: group, name: "in process, run + check", value: 1 / inProcessPerCase, unit: "cases/s",
            goal: .atLeast(Self.targetInProcess), note: "median of \(repetitions) passes, every check on"))

        // CPU time: what the pass costs without the waits for a core on a shared machine.
        let inProcessCPU = try await Stopwatch.medianCPU(repetitions: repetitions) {
            for specCase in computeBound {
                let observation = await reference.run(specCase.input)
                guard CaseChecker(specCase).check(observation).isEmpty else {
                    throw ValidationFailure("case \(specCase.id) fails against the reference")
                }
            }
        }
        records.append(BenchRecord(
            group: group, name: "in process, run + check, CPU time", value: Double(computeBound.count) / inProcessCPU,
            unit: "cases/s", note: "cases per second of process CPU time, median of \(repetitions) passes"))

        // The two halves apart: running alone, and checking the observations alone.
        var observed: [Observation] = []
        for specCase in computeBound { observed.append(await reference.run(specCase.input)) }
        let runOnly = await Stopwatch.median(repetitions: repetitions) {
            for specCase in computeBound { _ = await reference.run(specCase.input) }
        }
        let checkOnly = await Stopwatch.median(repetitions: repetitions) {
            for (specCase, observation) in zip(computeBound, observed) { _ = CaseChecker(specCase).check(observation) }
        }
        records.append(BenchRecord(
            group: group, name: "in process, run alone", value: runOnly / Double(computeBound.count) * 1e6, unit: "us/case",
            note: "median of \(repetitions) passes"))
        records.append(BenchRecord(
            group: group, name: "in process, check alone", value: checkOnly / Double(computeBound.count) * 1e6, unit: "us/case",
            note: String(format: "median of %d passes; checking / running %.2f", repetitions, checkOnly / runOnly)))

        let wholeSuite = await Stopwatch.seconds {
            _ = await SuiteRunner(engine: reference, jobs: 1).run(suite.cases, description: ReferenceEngine.description)
        }
        records.append(BenchRecord(group: group, name: "whole suite in process, sleeps included", value: wholeSuite, unit: "s", note: "\(suite.cases.count) cases, --jobs 1"))

        // The protocol's JSON work for a case, both sides, without processes: what a round
        // trip costs before any pipe or wake-up. The tree path is what strict mode and errors
        // still use; the fast path is what a well-formed round trip takes.
        var observations: [Observation] = []
        for specCase in computeBound { observations.append(await reference.run(specCase.input)) }
        let codecRepetitions = quick ? 3 : 20
        let treeCodec = try await Stopwatch.seconds {
            for _ in 0..<codecRepetitions {
                for (specCase, observation) in zip(computeBound, observations) {
                    let sent = EngineProtocol.runMessage(sequence: 1, input: specCase.input).serialized()
                    _ = try CaseInput(json: try JSONParser.parse(sent)["case"] ?? .null)
                    let reply = EngineProtocol.runReply(sequence: 1, observation: observation).serialized()
                    _ = try Observation(json: try JSONParser.parse(reply)["observation"] ?? .null)
                }
            }
        }
        let fastCodec = try await Stopwatch.seconds {
            for _ in 0..<codecRepetitions {
                for (specCase, observation) in zip(computeBound, observations) {
                    let sent = EngineProtocol.runMessageLine(sequence: 1, input: specCase.input)
                    guard EngineProtocol.caseInput(inRunMessageLine: sent) != nil else {
                        throw ValidationFailure("the fast decoder refused the run message of \(specCase.id)")
                    }
                    let reply = EngineProtocol.runReplyLine(sequence: 1, observation: observation)
                    guard EngineProtocol.observation(inReplyLine: reply) != nil else {
                        throw ValidationFailure("the fast decoder refused the reply to \(specCase.id)")
                    }
                }
            }
        }
        let codecCount = Double(codecRepetitions * computeBound.count)
        records.append(BenchRecord(
            group: group, name: "protocol JSON per case, tree", value: treeCodec / codecCount * 1e6,
            unit: "us", note: "encode + parse + decode of the run message and its reply, through JSONValue"))
        records.append(BenchRecord(
            group: group, name: "protocol JSON per case, fast path", value: fastCodec / codecCount * 1e6,
            unit: "us", note: "both messages written and read without a JSONValue tree"))

        // The fast path's four steps one by one, to see where a round trip's JSON time goes.
        let messages = computeBound.map { EngineProtocol.runMessageLine(sequence: 1, input: $0.input) }
        let replyLines = observations.map { EngineProtocol.runReplyLine(sequence: 1, observation: $0) }
        let steps: [(String, () -> Void)] = [
            ("write run message", { for specCase in computeBound { _ = EngineProtocol.runMessageLine(sequence: 1, input: specCase.input) } }),
            ("read run message", { for line in messages { _ = EngineProtocol.caseInput(inRunMessageLine: line) } }),
            ("write reply", { for observation in observations { _ = EngineProtocol.runReplyLine(sequence: 1, observation: observation) } }),
            ("read reply", { for line in replyLines { _ = EngineProtocol.observation(inReplyLine: line) } }),
        ]
        for (name, step) in steps {
            let seconds = await Stopwatch.median(repetitions: codecRepetitions) { step() }
            records.append(BenchRecord(
                group: group, name: "fast path: \(name)", value: seconds / Double(computeBound.count) * 1e6, unit: "us",
                note: "per case, median of \(codecRepetitions) passes"))
        }

        // The parse alone: every reply line of the suite, as the harness reads them.
        let replies = zip(computeBound.indices, observations).map { EngineProtocol.runReplyLine(sequence: $0.0, observation: $0.1) }
        let replyMegabytes = Double(replies.reduce(0) { $0 + $1.utf8.count }) / 1e6
        let parseRepetitions = quick ? 3 : 30
        let treeParse = try await Stopwatch.median(repetitions: parseRepetitions) {
            for reply in replies { _ = try JSONParser.parse(reply) }
        }
        let fastParse = await Stopwatch.median(repetitions: parseRepetitions) {
            for reply in replies { _ = EngineProtocol.observation(inReplyLine: reply) }
        }
        records.append(BenchRecord(
            group: group, name: "parse replies to a JSONValue tree", value: replyMegabytes / treeParse, unit: "MB/s",
            note: String(format: "%.2f MB of replies, %d lines", replyMegabytes, replies.count)))
        records.append(BenchRecord(
            group: group, name: "decode replies to observations, fast", value: replyMegabytes / fastParse, unit: "MB/s",
            note: "bytes straight to Observation, no tree"))

        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("regspec").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            records.append(BenchRecord(group: group, name: "protocol benchmarks skipped", value: 0, unit: "", note: "no regspec binary beside this one (\(binary)); `swift build -c release` builds both"))
            return records
        }
        // The suite through one persistent `regspec serve`, checks included, as a lane of
        // `regspec run` runs it (on the process's reader thread). What a round trip is made of,
        // against the pipe's own speed, is the protocol group's.
        let rounds = quick ? 2 : 10
        var servedPerCase: [Double] = []
        // The engine is shut down however the rounds end, a failed check included.
        try await withEngine(ProcessEngine(command: "\(binary) serve")) { persistent in
            _ = try await persistent.describe()
            for _ in 0..<rounds {
                let served = try await Stopwatch.seconds {
                    try await persistent.withDedicatedProcess {
                        for specCase in computeBound {
                            let observation = try await persistent.run(specCase.input)
                            guard CaseChecker(specCase).check(observation).isEmpty else {
                                throw ValidationFailure("case \(specCase.id) fails through regspec serve")
                            }
                        }
                    }
                }
                servedPerCase.append(served / Double(computeBound.count))
            }
        }
        let served = Stopwatch.median(servedPerCase)
        records.append(BenchRecord(
            group: group, name: "persistent regspec serve", value: 1 / served, unit: "cases/s",
            note: "run + check, one process, median of \(rounds) passes"))

        let spawnCases = Array(computeBound.prefix(quick ? 5 : 40))
        let spawned = try await Stopwatch.seconds {
            for specCase in spawnCases {
                try await withEngine(ProcessEngine(command: "\(binary) serve")) { engine in
                    _ = try await engine.describe()
                    _ = try await engine.run(specCase.input)
                }
            }
        }
        let spawnedPerCase = spawned / Double(spawnCases.count)
        records.append(BenchRecord(group: group, name: "one process per case", value: 1 / spawnedPerCase, unit: "cases/s", note: "\(spawnCases.count) cases"))
        records.append(BenchRecord(
            group: group, name: "persistent vs one process per case", value: spawnedPerCase / served, unit: "x faster"))
        return records
    }
}

/// A benchmark that cannot measure what it should.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
