import Testing
@testable import SpecHarness

@Suite("Line buffer")
struct LineBufferTests {
    @Test("lines come in order; a wait times out; a closed buffer says why")
    func events() async {
        let buffer = LineBuffer()
        buffer.push("one")
        buffer.push("two")
        #expect(await buffer.next(timeout: .seconds(5)) == .line("one"))
        #expect(await buffer.next(timeout: .seconds(5)) == .line("two"))
        #expect(await buffer.next(timeout: .milliseconds(20)) == .timedOut)
        buffer.close("gone")
        #expect(await buffer.next(timeout: .seconds(5)) == .closed("gone"))
    }

    @Test("the timer of an earlier wait does not end a later one")
    func staleTimer() async throws {
        let buffer = LineBuffer()
        async let first = buffer.next(timeout: .milliseconds(100))
        try await Task.sleep(for: .milliseconds(10))
        buffer.push("early")
        #expect(await first == .line("early"))
        // The first wait's timer fires during this wait; it must be ignored.
        // Long enough that only the stale timer could end this wait, at any load.
        async let second = buffer.next(timeout: .seconds(600))
        try await Task.sleep(for: .milliseconds(300))
        buffer.push("late")
        #expect(await second == .line("late"))
    }

    @Test("a cancelled wait returns at once")
    func cancellation() async {
        let buffer = LineBuffer()
        let task = Task { await buffer.next(timeout: .seconds(60)) }
        task.cancel()
        #expect(await task.value == .cancelled)
    }
}
