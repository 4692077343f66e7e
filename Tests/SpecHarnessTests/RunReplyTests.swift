import Testing
@testable import SpecHarness

/// The one seam that reads a `run` reply: the fast decoder where it can, the tree where it
/// cannot, and the tree alone in strict mode.
@Suite("Reading a run reply")
struct RunReplyTests {
    private let observation = #"{"outcome": "success", "metrics": {"loss_total": 2}, "requests": {"forward": [], "backward": []}}"#

    @Test("a reply the fast decoder leaves to the tree (a \\u escape) still reads, the same")
    func escapedReplyFallsBack() throws {
        let line = #"{"seq": 2, "errored": "caf\u00e9"}"#
        #expect(ReplyDecoder.decode(line) == nil, "the fast decoder must refuse it for this test to cover the tree path")
        let reply = try RunReply.decode(line, strict: false)
        #expect(reply.sequence == 2)
        guard case .errored(let message) = reply.content else {
            Issue.record("expected an errored reply, got \(reply.content)")
            return
        }
        #expect(message == "café")
    }

    @Test("an observation reads the same through either path")
    func observationBothPaths() throws {
        let line = #"{"seq": 5, "observation": \#(observation)}"#
        for strict in [false, true] {
            let reply = try RunReply.decode(line, strict: strict)
            #expect(reply.sequence == 5)
            guard case .observation(let decoded) = reply.content, case .success(let metrics) = decoded.outcome else {
                Issue.record("expected a successful observation (strict: \(strict)), got \(reply.content)")
                return
            }
            #expect(metrics.number(at: ["loss_total"]) == 2)
        }
    }

    @Test("strict mode refuses a key the protocol does not define, which lenient mode skips")
    func strictRefusesUnknownKeys() throws {
        let line = #"{"seq": 1, "observation": \#(observation), "extra": true}"#
        #expect(throws: ProtocolError.self) { try RunReply.decode(line, strict: true) }
        #expect(try RunReply.decode(line, strict: false).sequence == 1)
    }

    @Test("a line that is not JSON, and a reply without its observation, say so")
    func brokenReplies() {
        #expect(throws: JSONParseError.self) { try RunReply.decode("this is not json", strict: false) }
        #expect(throws: ProtocolError.self) { try RunReply.decode(#"{"seq": 1}"#, strict: false) }
        #expect(throws: ProtocolError.self) { try RunReply.decode(#"{"seq": "one", "errored": "x"}"#, strict: false) }
    }
}
