import ReferenceEngine
import Testing
import TinkerWire
@testable import SpecHarness

@Suite("regspec serve's message handling")
struct EngineServerTests {
    let server = EngineServer(engine: ReferenceEngine())

    @Test("start answers with the protocol version and the reference's capabilities")
    func start() async throws {
        let reply = try #require(await server.respond(to: #"{"cmd":"start","version":1}"#))
        let description = try EngineProtocol.parseStarted(try JSONParser.parse(reply))
        #expect(description == ReferenceEngine.description)
    }

    @Test("another protocol version is refused with a reason the harness reports")
    func otherVersion() async throws {
        let reply = try #require(await server.respond(to: #"{"cmd":"start","version":2}"#))
        #expect(throws: ProtocolError.self) { try EngineProtocol.parseStarted(try JSONParser.parse(reply)) }
        #expect(reply.contains("not supported"))
    }

    @Test("a run whose case cannot be read is errored with the path of the problem")
    func unreadableCase() async throws {
        let reply = try #require(await server.respond(to: #"{"cmd":"run","seq":4,"case":{"id":"x","data":[{}],"logprobs":[[]]}}"#))
        #expect(reply.hasPrefix(#"{"seq":4,"errored":"#))
        #expect(reply.contains("case.data[0].model_input"))
    }

    @Test("garbage, unknown commands and stop", arguments: ["not json", #"{"cmd":"dance"}"#, "[1,2]", #"{"cmd":"run"}"#])
    func garbage(_ line: String) async throws {
        let reply = try #require(await server.respond(to: line))
        #expect(reply.hasPrefix(#"{"error":"#))
    }

    @Test("stop ends the conversation")
    func stop() async {
        #expect(await server.respond(to: #"{"cmd":"stop"}"#) == nil)
    }

    @Test("a timeout that cannot become a Duration errors the case instead of trapping")
    func infiniteTimeout() async throws {
        let input = #"{"id":"x","data":[],"logprobs":[],"call":{"loss_fn":null,"regularizers":[],"options":{"timeout_ms":Infinity},"entry_point":"call"}}"#
        let reply = try #require(await server.respond(to: #"{"cmd":"run","seq":1,"case":"# + input + "}"))
        #expect(reply.contains("case.call.options.timeout_ms"))
        #expect(reply.contains("errored"))
    }
}
