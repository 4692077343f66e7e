import Testing
@testable import SpecHarness

/// The benchmark's floor for a protocol round trip must itself work, or the ratio it anchors means nothing.
@Suite("Pipe ping-pong")
struct PipePingPongTests {
    @Test("a line sent to cat comes back over the harness's pipes")
    func echoes() async throws {
        let echo = try PipePingPong()
        for line in ["{\"seq\":1}", String(repeating: "x", count: 200_000)] { try await echo.roundTrip(line) }
        await echo.stop()
    }

    @Test("a process that answers something else is an error, not a round trip")
    func wrongAnswerFails() async throws {
        let liar = try PipePingPong(command: "sed -u 's/^/garbled /'")
        await #expect(throws: EngineFailure.self) { try await liar.roundTrip("a line") }
        await liar.stop()
    }
}
