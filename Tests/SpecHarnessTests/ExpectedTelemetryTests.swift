import Testing
@testable import SpecHarness
import SpecTestSupport

/// `expect.telemetry` as a case states it: read with the fields it gives, and refused with a
/// diagnostic where no engine could meet it.
@Suite("Expected telemetry in a case")
struct ExpectedTelemetryTests {
    func load(_ expect: String) throws -> (cases: [SpecCase], messages: [String]) {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(expect: expect))
        let suite = workspace.load("specs")
        return (suite.cases, suite.diagnostics.map(\.description))
    }

    @Test("stated events are read in order with the fields given, and make the case need telemetry")
    func read() throws {
        let loaded = try load("""
            expect:
                  telemetry:
                    - {event: call_started, mode: structured, fn_count: 1}
                    - {event: fn_stopped, label: total, value: -3.0, contribution: null}
            """)
        let specCase = try #require(loaded.cases.first, "\(loaded.messages)")
        let events = try #require(specCase.expectation.telemetry)
        #expect(events.map(\.record.event) == [.callStarted, .fnStopped])
        #expect(events[0].stated == ["mode", "fn_count"])
        #expect(events[1].stated == ["label", "value", "contribution"])
        #expect(events[1].record.contribution == nil && events[1].record.value == -3)
        #expect(specCase.requiredCapabilities.contains(Capability.telemetry))
    }

    @Test("a case without expect.telemetry does not need the capability")
    func notNeeded() throws {
        let loaded = try load("expect:\n      metrics: {loss_total: -1.5}")
        #expect(try #require(loaded.cases.first).requiredCapabilities.contains(Capability.telemetry) == false)
    }

    @Test("an expected telemetry list the loader refuses, with its message", arguments: [
        ("[{event: fn_stoped, label: total}]", "unknown telemetry event 'fn_stoped' (did you mean 'fn_stopped'?)"),
        ("[{event: call_stopped, duration: 0.1}]", "unknown key 'duration'"),
        ("[{event: fn_started, label: totl}]", "is not a fn of the call"),
        ("[{event: call_started, mode: batch}]", "must be structured or legacy"),
        ("[{event: fn_stopped, label: total, value: .inf}]", "must be a finite number"),
        ("[{label: total}]", "names no event"),
    ])
    func refused(telemetry: String, message: String) throws {
        let loaded = try load("expect:\n      telemetry: \(telemetry)")
        #expect(loaded.cases.isEmpty)
        #expect(loaded.messages.contains { $0.contains(message) }, "\(loaded.messages)")
    }
}
