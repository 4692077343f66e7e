import Testing
import SpecTestSupport
@testable import SpecHarness

/// A task bound to an engine's reader thread runs there, is woken there by whatever resumes it,
/// and outlives the thread: a job left with no thread to run it would hang its lane for good.
@Suite("Engine executor")
struct EngineExecutorTests {
    /// A ping-pong whose reader thread has read one answer, and so serves its executor:
    /// entering the preference moves a task there.
    private func answeredOnce() async throws -> (PipePingPong, EngineExecutor) {
        let echo = try PipePingPong()
        let executor = try #require(echo.executor)
        try await echo.roundTrip("line")
        return (echo, executor)
    }

    @Test("a task that prefers the executor is resumed on the reader thread by the answer", .timeLimit(.minutes(1)))
    func answerResumesOnReaderThread() async throws {
        let (echo, executor) = try await answeredOnce()
        try await echo.withReaderThread {
            for _ in 0..<3 {
                try await echo.roundTrip("{\"seq\":1}")
                #expect(executor.isServingThread)
            }
        }
        #expect(!executor.isServingThread)
        await echo.stop()
    }

    @Test("a job queued by another thread wakes the reader sleeping in poll", .timeLimit(.minutes(1)))
    func otherThreadWakesReader() async throws {
        let (echo, executor) = try await answeredOnce()
        try await echo.withReaderThread {
            try await echo.roundTrip("line")
            // The timer fires on another thread while the reader waits for the pipe.
            try await Task.sleep(for: .milliseconds(20))
            #expect(executor.isServingThread)
        }
        await echo.stop()
    }

    @Test("with no reader thread, jobs run on the global executor", .timeLimit(.minutes(1)))
    func noReaderFallsBackToGlobal() async throws {
        let executor = try #require(EngineExecutor())
        let ran = await withTaskExecutorPreference(executor) {
            try? await Task.sleep(for: .milliseconds(5))
            return !executor.isServingThread
        }
        #expect(ran)
    }

    @Test("a task outlives its reader thread: once the process is gone, its jobs run elsewhere", .timeLimit(.minutes(1)))
    func taskOutlivesReader() async throws {
        let echo = try PipePingPong()
        let executor = try #require(echo.executor)
        try await echo.withReaderThread {
            try await echo.roundTrip("line")
            await echo.stop()
            // Nothing reads the pipe any more; the reader thread has handed its queue back.
            for _ in 0..<3 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(!executor.isServingThread)
        }
    }

    @Test("a dedicated process takes its engine's cases, and no other engine's", .timeLimit(.minutes(1)))
    func dedicatedProcessBindsOneEngine() async throws {
        // Answers start, then errors every case (the process stays, as for any errored case).
        let workspace = try SpecWorkspace()
        let script = try workspace.write("engine.sh", """
            while read -r line; do
              case "$line" in
                *'"stop"'*) exit 0 ;;
                *'"start"'*) echo '{"version":1,"engine":{"name":"e","language":"sh","version":"1","capabilities":[]}}' ;;
                *) seq=$(printf '%s' "$line" | sed 's/.*"seq":\\([0-9]*\\).*/\\1/'); echo "{\\"seq\\":$seq,\\"errored\\":\\"no\\"}" ;;
              esac
            done

            """)
        let first = ProcessEngine(command: "sh \(script)")
        let second = ProcessEngine(command: "sh \(script)")
        let input = try CaseInput(json: JSONParser.parse(#"{"id":"x","data":[],"logprobs":[],"call":{"loss_fn":null,"regularizers":[],"options":{"track_grad_norms":false,"timeout_ms":null,"max_concurrency":null},"entry_point":"call"}}"#))
        // `first`'s only process is taken by the binding: a run that went through the pool
        // would wait for it forever; one of `second`'s that used the binding would start none.
        try await first.withDedicatedProcess {
            for engine in [first, second, first] {
                await #expect(throws: EngineCaseError.self) { try await engine.run(input) }
            }
        }
        #expect(await first.workersStarted == 1)
        #expect(await second.workersStarted == 1)
        // Together: each shutdown waits until no engine process of the host is left.
        async let firstStopped: Void = first.shutdown()
        async let secondStopped: Void = second.shutdown()
        _ = await (firstStopped, secondStopped)
    }
}
