import Testing
import TinkerWire
@testable import SpecHarness
import SpecTestSupport

/// The telemetry rules seen passing on a correct event stream and failing on each kind of wrong one.
@Suite("Checking telemetry")
struct TelemetryCheckerTests {
    /// The case of `specFile()`: one regularizer `total` (sum, weight 0.5) over lp = [-1, -2].
    func exampleCase() throws -> SpecCase {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile())
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        return try #require(suite.cases.first)
    }

    /// The example case's result: value -3, contribution -1.5.
    let metrics: Metrics = [
        "loss_total": .number(-1.5), "regularizer_total": .number(-1.5),
        "regularizers": .object(["total": .object([
            "value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:]),
        ])]),
    ]

    let correctEvents: [TelemetryRecord] = [
        TelemetryRecord(event: .callStarted, mode: "structured", fnCount: 1),
        TelemetryRecord(event: .fnStarted, label: "total"),
        TelemetryRecord(event: .fnStopped, label: "total", value: -3, contribution: -1.5),
        TelemetryRecord(event: .callStopped, lossTotal: -1.5),
    ]

    func check(_ events: [TelemetryRecord]?, outcome: Observation.Outcome? = nil) throws -> [String] {
        let observation = Observation(
            outcome: outcome ?? .success(metrics: metrics), forwardRequests: [], backwardRequests: [], telemetry: events)
        return TelemetryChecker(specCase: try exampleCase()).check(observation).map(\.path)
    }

    @Test("a correct event stream passes, and an engine that reports none is not judged")
    func passes() throws {
        #expect(try check(correctEvents) == [])
        #expect(try check(nil) == [])
    }

    @Test("a contribution that is not the metrics' contribution is reported")
    func wrongContribution() throws {
        var events = correctEvents
        events[2].contribution = -3
        #expect(try check(events) == ["telemetry.total.contribution"])
    }

    @Test("a missing call_stopped, a wrong loss_total and a fn that never stopped are reported")
    func missingEvents() throws {
        #expect(try check(Array(correctEvents.dropLast())) == ["telemetry"])
        var wrongTotal = correctEvents
        wrongTotal[3].lossTotal = -3
        #expect(try check(wrongTotal) == ["telemetry.call_stopped.loss_total"])
        #expect(try check([correctEvents[0], correctEvents[1], correctEvents[3]]) == ["telemetry.total"])
    }

    @Test("a fn's failure must appear as fn_failed of the call's error kind")
    func failure() throws {
        let error = ObservedError(kind: "loss_fn_failed", label: "total", message: "boom", type: nil)
        let failed = [
            TelemetryRecord(event: .callStarted, mode: "structured", fnCount: 1),
            TelemetryRecord(event: .fnStarted, label: "total"),
            TelemetryRecord(event: .fnFailed, label: "total", errorKind: "loss_fn_failed"),
            TelemetryRecord(event: .callFailed),
        ]
        #expect(try check(failed, outcome: .failure(error)) == [])
        #expect(try check(failed.filter { $0.event != .fnFailed }, outcome: .failure(error)) == ["telemetry.total"])
        #expect(try check(failed.dropLast() + [TelemetryRecord(event: .callStopped, lossTotal: 0)], outcome: .failure(error)) == ["telemetry"])
    }

    @Test("no fn may start before a validation error")
    func validation() throws {
        let error = ObservedError(kind: "empty_data", label: nil, message: "No data provided", type: nil)
        #expect(try check([], outcome: .failure(error)) == [])
        #expect(try check([TelemetryRecord(event: .fnStarted, label: "total")], outcome: .failure(error)) == ["telemetry"])
    }
}
