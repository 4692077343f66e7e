import Testing
import TinkerWire
@testable import SpecHarness

/// The observation's `telemetry` list (protocol 1.1): written and read back the same by the
/// tree and fast paths, absent for an engine of 1.0, and refused where it breaks the protocol.
@Suite("Telemetry on the wire")
struct TelemetryWireTests {
    let events: [TelemetryRecord] = [
        TelemetryRecord(event: .callStarted, mode: "structured", fnCount: 2),
        TelemetryRecord(event: .fnStarted, label: "loss_fn"),
        TelemetryRecord(event: .fnStopped, label: "loss_fn", value: 2.5, duration: 0.25),
        TelemetryRecord(event: .fnStarted, label: "kl"),
        TelemetryRecord(event: .fnFailed, label: "kl", errorKind: "timeout"),
        TelemetryRecord(event: .callFailed, label: "kl", errorKind: "timeout", duration: 1.5),
    ]

    func observation(_ telemetry: [TelemetryRecord]?) -> Observation {
        Observation(
            outcome: .failure(ObservedError(kind: "timeout", label: "kl", message: "too slow", type: nil)),
            forwardRequests: [], backwardRequests: [], telemetry: telemetry)
    }

    func reply(_ telemetryJSON: String) -> String {
        #"{"seq":1,"observation":{"outcome":"success","metrics":{},"requests":{"forward":[],"backward":[]},"telemetry":"# + telemetryJSON + "}}"
    }

    @Test("events round-trip through the written line, by the tree and the fast path alike")
    func roundTrip() throws {
        let line = EngineProtocol.runReplyLine(sequence: 1, observation: observation(events))
        #expect(line == EngineProtocol.runReply(sequence: 1, observation: observation(events)).serialized())
        #expect(line.contains(#"{"event":"fn_stopped","label":"loss_fn","duration":0.25,"value":2.5,"contribution":null}"#))
        let tree = try Observation(json: try #require(try JSONParser.parse(line)["observation"]))
        #expect(tree.telemetry == events)
        let fast = try #require(ReplyDecoder.decode(line)?.observation)
        #expect(fast.telemetry == events)
    }

    @Test("an engine that sends no telemetry list reports none")
    func absent() throws {
        let line = EngineProtocol.runReplyLine(sequence: 1, observation: observation(nil))
        #expect(!line.contains("telemetry"))
        #expect(try Observation(json: try #require(try JSONParser.parse(line)["observation"])).telemetry == nil)
        #expect(try #require(ReplyDecoder.decode(line)?.observation).telemetry == nil)
        let null = reply("null")
        #expect(try #require(ReplyDecoder.decode(null)?.observation).telemetry == nil)
    }

    @Test("malformed telemetry on the wire is refused with its path", arguments: [
        (#"[{"event":"call_exploded"}]"#, "observation.telemetry[0].event: unknown telemetry event"),
        (#"[{"event":"call_started","fn_count":1.5}]"#, "observation.telemetry[0].fn_count: expected an integer"),
        (#"[{"event":"fn_started","label":5}]"#, "observation.telemetry[0].label: expected a string"),
        (#"[{"event":"fn_stopped","label":"a","value":"1"}]"#, "observation.telemetry[0].value: expected a number"),
        (#"{"event":"call_started"}"#, "observation.telemetry: expected an array"),
        (#"[{"label":"a"}]"#, "observation.telemetry[0].event: missing"),
    ])
    func malformed(telemetry: String, expected: String) throws {
        let line = reply(telemetry)
        // The fast path gives up, and the tree path says what is wrong.
        #expect(ReplyDecoder.decode(line) == nil)
        let json = try #require(try JSONParser.parse(line)["observation"])
        do {
            _ = try Observation(json: json)
            Issue.record("accepted \(telemetry)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    @Test("--strict-protocol allows each event exactly its own fields and known error kinds; the lenient reader ignores the rest")
    func strict() throws {
        let good = try JSONParser.parse(EngineProtocol.runReplyLine(sequence: 1, observation: observation(events)))
        try ProtocolConformance.checkRunReply(good)
        for (telemetry, path) in [
            (#"[{"event":"fn_started","label":"a","value":1}]"#, "observation.telemetry[0].value"),
            (#"[{"event":"fn_failed","label":"a","kind":"exploded"}]"#, "observation.telemetry[0].kind"),
        ] {
            let json = try JSONParser.parse(reply(telemetry))
            #expect(throws: ProtocolError.self) { try ProtocolConformance.checkRunReply(json) }
            do {
                try ProtocolConformance.checkRunReply(json)
            } catch {
                #expect(error.path == path)
            }
            #expect(try Observation(json: try #require(json["observation"])).telemetry?.count == 1)
        }
    }
}
