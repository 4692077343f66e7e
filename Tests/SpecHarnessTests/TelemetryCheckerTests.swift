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
        TelemetryRecord(event: .fnStopped, label: "total", value: -3, contribution: -1.5, duration: 0.001),
        TelemetryRecord(event: .callStopped, lossTotal: -1.5, duration: 0.002),
    ]

    func check(_ events: [TelemetryRecord]?, outcome: Observation.Outcome? = nil, in specCase: SpecCase? = nil) throws -> [String] {
        let observation = Observation(
            outcome: outcome ?? .success(metrics: metrics), forwardRequests: [], backwardRequests: [], telemetry: events)
        return TelemetryChecker(specCase: try specCase ?? exampleCase()).check(observation).map(\.path)
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
            TelemetryRecord(event: .callFailed, label: "total", errorKind: "loss_fn_failed", duration: 0.5),
        ]
        #expect(try check(failed, outcome: .failure(error)) == [])
        // Without its fn_failed the fn never ends, and the error's kind is not shown for it.
        #expect(try check(failed.filter { $0.event != .fnFailed }, outcome: .failure(error)) == ["telemetry.total", "telemetry.total"])
        #expect(try check(failed.dropLast() + [TelemetryRecord(event: .callStopped, lossTotal: 0, duration: 0)], outcome: .failure(error)) == ["telemetry"])
        // call_failed names another error than the one the call raised.
        var wrongName = failed
        wrongName[3].label = nil
        #expect(try check(wrongName, outcome: .failure(error)) == ["telemetry.call_failed"])
    }

    @Test("a call that fails validation emits no event at all, not even call_started")
    func validation() throws {
        let error = ObservedError(kind: "empty_data", label: nil, message: "No data provided", type: nil)
        #expect(try check([], outcome: .failure(error)) == [])
        #expect(try check([TelemetryRecord(event: .fnStarted, label: "total")], outcome: .failure(error)) == ["telemetry"])
        #expect(try check([TelemetryRecord(event: .callStarted, mode: "structured", fnCount: 1)], outcome: .failure(error)) == ["telemetry"])
    }

    @Test("events before call_started or after call_stopped, and a second call_stopped, break the bracketing")
    func bracketing() throws {
        #expect(try check([correctEvents[1]] + [correctEvents[0]] + Array(correctEvents[2...])) == ["telemetry"])
        #expect(try check(correctEvents + [correctEvents[3]]) == ["telemetry"])
        #expect(try check([correctEvents[0], correctEvents[1], correctEvents[3], correctEvents[2]]) == ["telemetry"])
    }

    @Test("a fn that starts twice, stops twice, or names no fn of the call is reported")
    func lifecycles() throws {
        #expect(try check([correctEvents[0], correctEvents[1]] + correctEvents[1...]) == ["telemetry.total"])
        #expect(try check(Array(correctEvents.prefix(3)) + correctEvents[2...]) == ["telemetry.total"])
        var stranger = correctEvents
        stranger.insert(TelemetryRecord(event: .fnStarted, label: "TOTAL"), at: 2)
        #expect(try check(stranger) == ["telemetry"])
    }

    @Test("durations must be non-negative seconds on every stop and failure")
    func durations() throws {
        var negative = correctEvents
        negative[2].duration = -0.1
        #expect(try check(negative) == ["telemetry.total.fn_stopped.duration"])
        var missing = correctEvents
        missing[3].duration = nil
        #expect(try check(missing) == ["telemetry.call_stopped.duration"])
        var notANumber = correctEvents
        notANumber[3].duration = .nan
        #expect(try check(notANumber) == ["telemetry.call_stopped.duration"])
    }

    /// Two sync regularizers `a` and `b` under `max_concurrency`, each value -3 on lp = [-1, -2].
    func twoFnCase(maxConcurrency: Int, expect: String = "expect:\n      metrics: {loss_total: -3.0}") throws -> SpecCase {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(
            call: """
                call:
                      regularizers:
                        - {name: a, weight: 0.5, fn: sum}
                        - {name: b, weight: 0.5, fn: sum}
                      options: {max_concurrency: \(maxConcurrency)}
                """,
            expect: expect))
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        return try #require(suite.cases.first)
    }

    var twoFnMetrics: Metrics {
        let entry: MetricValue = .object(["value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:])])
        return ["loss_total": .number(-3), "regularizer_total": .number(-3), "regularizers": .object(["a": entry, "b": entry])]
    }

    func twoFnEvents(_ order: [(TelemetryRecord.Event, String)]) -> [TelemetryRecord] {
        [TelemetryRecord(event: .callStarted, mode: "structured", fnCount: 2)]
            + order.map { event, label in
                event == .fnStopped
                    ? TelemetryRecord(event: .fnStopped, label: label, value: -3, contribution: -1.5, duration: 0)
                    : TelemetryRecord(event: event, label: label)
            }
            + [TelemetryRecord(event: .callStopped, lossTotal: -3, duration: 0)]
    }

    @Test("under max_concurrency 1 fn events come one fn at a time in list order; otherwise they may interleave")
    func sequentialOrder() throws {
        let inOrder = twoFnEvents([(.fnStarted, "a"), (.fnStopped, "a"), (.fnStarted, "b"), (.fnStopped, "b")])
        let reversed = twoFnEvents([(.fnStarted, "b"), (.fnStopped, "b"), (.fnStarted, "a"), (.fnStopped, "a")])
        let interleaved = twoFnEvents([(.fnStarted, "a"), (.fnStarted, "b"), (.fnStopped, "a"), (.fnStopped, "b")])
        let sequential = try twoFnCase(maxConcurrency: 1)
        let concurrent = try twoFnCase(maxConcurrency: 2)
        let success = Observation.Outcome.success(metrics: twoFnMetrics)
        #expect(try check(inOrder, outcome: success, in: sequential) == [])
        #expect(try check(reversed, outcome: success, in: sequential) == ["telemetry.order"])
        #expect(try check(interleaved, outcome: success, in: sequential) == ["telemetry.order"])
        #expect(try check(reversed, outcome: success, in: concurrent) == [])
        #expect(try check(interleaved, outcome: success, in: concurrent) == [])
    }

    @Test("events a case states must be reported in that order with those fields")
    func statedEvents() throws {
        let stated = try twoFnCase(maxConcurrency: 1, expect: """
            expect:
                  telemetry:
                    - {event: call_started, mode: structured, fn_count: 2}
                    - {event: fn_started, label: a}
                    - {event: fn_stopped, label: a, value: -3.0, contribution: -1.5}
                    - {event: fn_started, label: b}
                    - {event: fn_stopped, label: b}
                    - {event: call_stopped, loss_total: -3.0}
            """)
        #expect(stated.requiredCapabilities.contains(Capability.telemetry))
        let success = Observation.Outcome.success(metrics: twoFnMetrics)
        let inOrder = twoFnEvents([(.fnStarted, "a"), (.fnStopped, "a"), (.fnStarted, "b"), (.fnStopped, "b")])
        #expect(try check(inOrder, outcome: success, in: stated) == [])
        #expect(try check(Array(inOrder.dropLast()), outcome: success, in: stated).contains("telemetry.events"))
        var wrongValue = inOrder
        wrongValue[2].value = -2
        #expect(try check(wrongValue, outcome: success, in: stated) == ["telemetry.a.value", "telemetry[2].value"])
        var wrongCount = inOrder
        wrongCount[0].fnCount = 3
        #expect(try check(wrongCount, outcome: success, in: stated) == ["telemetry.call_started", "telemetry[0].fn_count"])
        // A case that needs telemetry fails an engine whose reply carries none.
        #expect(try check(nil, outcome: success, in: stated) == ["telemetry"])
    }

    @Test("an engine that reports a flood of events gets a mismatch of bounded length")
    func flood() throws {
        let flood = correctEvents + Array(repeating: TelemetryRecord(event: .fnStarted, label: "total"), count: 100_000)
        let observation = Observation(outcome: .success(metrics: metrics), forwardRequests: [], backwardRequests: [], telemetry: flood)
        let mismatches = TelemetryChecker(specCase: try exampleCase()).check(observation)
        #expect(!mismatches.isEmpty)
        #expect(mismatches.allSatisfy { $0.message.utf8.count < 2_000 }, "\(mismatches.map(\.message.utf8.count))")
        #expect(mismatches.contains { $0.message.contains("more]") })
        // Events naming no fn of the call, or without durations, make one mismatch each rule.
        let strangers = Array(repeating: TelemetryRecord(event: .fnStopped, label: "nobody"), count: 100_000)
        let odd = Observation(
            outcome: .success(metrics: metrics), forwardRequests: [], backwardRequests: [],
            telemetry: Array(correctEvents.dropLast()) + strangers + [correctEvents[3]])
        let oddMismatches = TelemetryChecker(specCase: try exampleCase()).check(odd)
        #expect(oddMismatches.count <= 4, "\(oddMismatches.map(\.path))")
        #expect(oddMismatches.allSatisfy { $0.message.utf8.count < 2_000 })
    }
}
