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

    @Test("waits answered in time share one timer; a shorter wait sets its own and still times out")
    func sharedTimer() async throws {
        let buffer = LineBuffer()
        for index in 0..<50 {
            buffer.push("line \(index)")
            #expect(await buffer.next(timeout: .seconds(600)) == .line("line \(index)"))
        }
        // Lines already there are handed over without a timer.
        #expect(buffer.timersSet == 0)
        for index in 0..<50 {
            async let answer = buffer.next(timeout: .seconds(600))
            try await Self.waitForWaiter(buffer)
            buffer.push("line \(index)")
            #expect(await answer == .line("line \(index)"))
        }
        // One timer for the first wait; the 49 after it end later and take it over.
        #expect(buffer.timersSet == 1)
        // A wait that ends before that timer needs its own, and gets its time-out.
        #expect(await buffer.next(timeout: .milliseconds(20)) == .timedOut)
        #expect(buffer.timersSet == 2)
    }

    @Test("a timer that comes due before the wait it serves re-arms for it instead of ending it")
    func rearmedTimer() async throws {
        let buffer = LineBuffer()
        // Long enough to be answered before it times out, at any load.
        async let first = buffer.next(timeout: .seconds(60))
        try await Self.waitForWaiter(buffer)
        buffer.push("early")
        #expect(await first == .line("early"))
        #expect(buffer.timersSet == 1)
        // Ends after the first wait's timer, so takes it over; that timer then fires first.
        async let second = buffer.next(timeout: .seconds(120))
        try await Self.waitForWaiter(buffer)
        #expect(buffer.timersSet == 1)
        buffer.fireTimerEarly()
        #expect(buffer.timersSet == 2)
        #expect(buffer.hasWaiter)
        buffer.push("late")
        #expect(await second == .line("late"))
    }

    /// Until a wait is on, at most thirty seconds.
    static func waitForWaiter(_ buffer: LineBuffer) async throws {
        let clock = ContinuousClock()
        let limit = clock.now + .seconds(30)
        while !buffer.hasWaiter {
            try #require(clock.now < limit, "no wait started")
            await Task.yield()
        }
    }

    @Test("a cancelled wait returns at once")
    func cancellation() async {
        let buffer = LineBuffer()
        let task = Task { await buffer.next(timeout: .seconds(60)) }
        task.cancel()
        #expect(await task.value == .cancelled)
    }
}
