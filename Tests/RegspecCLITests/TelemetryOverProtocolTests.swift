import Foundation
import Testing

/// Telemetry judged through the protocol (capability `telemetry`, protocol 1.1): `regspec
/// serve` behind a stand-in engine that reports its events wrongly fails the cases, and one
/// that reports none (an engine of protocol 1.0) is skipped for the telemetry cases only.
@Suite("Telemetry over the protocol", .serialized, .enabled(if: CLI.hasPython, "needs python3 for the stand-in engine"))
struct TelemetryOverProtocolTests {
    /// The shipped suite against `serve` through `fault_engine.py MODE`: exit status and each case's entry by id.
    func run(mode: String, extra: [String] = []) async throws -> (status: Int32, cases: [String: [String: Any]]) {
        let engine = ["python3", CLI.faultEngine, mode, "--", CLI.binary, "serve"].joined(separator: " ")
        let result = try await CLI.outcome(of: ["run", "specs", "--engine-command", engine, "--timeout", "60", "--format", "json"] + extra)
        let json = try #require(
            try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "exit \(result.status); stdout: \(result.stdout.prefix(2000)); stderr: \(result.stderr.prefix(2000))")
        let list = try #require(json["cases"] as? [[String: Any]])
        var cases: [String: [String: Any]] = [:]
        for entry in list { if let id = entry["id"] as? String { cases[id] = entry } }
        return (result.status, cases)
    }

    func status(_ entry: [String: Any]?) -> String { entry?["status"] as? String ?? "missing" }

    func paths(_ entry: [String: Any]?) -> [String] {
        (entry?["mismatches"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
    }

    static let telemetryCases = [
        "telemetry/sequential-events", "telemetry/legacy-events", "telemetry/fn-failure-events",
        "telemetry/timeout-events", "telemetry/validation-emits-nothing",
    ]

    @Test("an engine that reports its events rightly passes every case, the telemetry cases included")
    func rightEvents() async throws {
        let outcome = try await run(mode: "pass")
        #expect(outcome.status == 0)
        for id in Self.telemetryCases { #expect(status(outcome.cases[id]) == "passed", "\(id)") }
        #expect(outcome.cases.values.allSatisfy { status($0) == "passed" })
    }

    @Test("an engine that reports no telemetry is skipped for the telemetry cases and for nothing else")
    func noTelemetry() async throws {
        let outcome = try await run(mode: "no-telemetry")
        #expect(outcome.status == 0)
        let skipped = outcome.cases.filter { status($0.value) == "skipped" }.keys.sorted()
        #expect(skipped == Self.telemetryCases.sorted())
        #expect(outcome.cases.filter { status($0.value) != "skipped" }.values.allSatisfy { status($0) == "passed" })
        #expect(outcome.cases["telemetry/sequential-events"]?["reason"] as? String == "the engine lacks telemetry")
    }

    @Test("fn events out of list order under max_concurrency 1 fail")
    func outOfOrder() async throws {
        let outcome = try await run(mode: "telemetry-swap")
        #expect(outcome.status == 1)
        let sequential = outcome.cases["telemetry/sequential-events"]
        #expect(status(sequential) == "failed")
        #expect(paths(sequential).contains("telemetry.order"))
    }

    @Test("a missing fn_stopped fails every case whose fns ran, not only the telemetry cases")
    func missingStop() async throws {
        let outcome = try await run(mode: "telemetry-drop-stop")
        #expect(outcome.status == 1)
        #expect(paths(outcome.cases["telemetry/sequential-events"]).contains("telemetry.events"))
        #expect(status(outcome.cases["telemetry/legacy-events"]) == "failed")
        #expect(paths(outcome.cases["composition/nll-plus-two-sync"]).contains("telemetry.loss_fn"))
    }

    @Test("values that are not the result's fail")
    func wrongValues() async throws {
        let outcome = try await run(mode: "telemetry-wrong-value")
        #expect(outcome.status == 1)
        #expect(paths(outcome.cases["telemetry/sequential-events"]).contains("telemetry.total.value"))
        #expect(paths(outcome.cases["telemetry/legacy-events"]).contains("telemetry[2].value"))
    }

    @Test("an event on a validation failure fails")
    func eventOnValidationFailure() async throws {
        let outcome = try await run(mode: "telemetry-on-validation")
        #expect(outcome.status == 1)
        #expect(status(outcome.cases["telemetry/validation-emits-nothing"]) == "failed")
        #expect(status(outcome.cases["validation/name-missing"]) == "failed")
        #expect(status(outcome.cases["telemetry/sequential-events"]) == "passed")
    }

    @Test("--strict-protocol refuses a telemetry event with a key its event does not have; the lenient reader ignores it")
    func strictEventKeys() async throws {
        let strict = try await run(mode: "telemetry-extra-key", extra: ["--strict-protocol", "--case", "telemetry/sequential-events"])
        #expect(strict.status == 1)
        let entry = strict.cases["telemetry/sequential-events"]
        #expect(status(entry) == "errored")
        #expect((entry?["message"] as? String ?? "").contains("observation.telemetry[0].colour"))
        let lenient = try await run(mode: "telemetry-extra-key", extra: ["--case", "telemetry/sequential-events"])
        #expect(lenient.status == 0)
    }
}
