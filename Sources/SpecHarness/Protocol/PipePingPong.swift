/// A line sent to a child process that echoes it back (`cat`), over the same pipes, writer,
/// reader thread, executor and line buffer the harness uses for an engine: the floor under any
/// protocol round trip, with no JSON on either side. The benchmark holds `regspec serve` to a
/// multiple of it.
package final class PipePingPong {
    private let process: SpawnedProcess
    private let lines = LineBuffer()
    let executor = EngineExecutor()

    /// Starts `command` (default `cat`), which must echo each line it reads.
    package init(command: String = "cat") throws {
        process = try SpawnedProcess.spawn(command)
        StreamReader.start(process, into: lines, serving: executor)
        StreamReader.startTail(process, into: OutputTail())
    }

    /// Runs `body` on the reader thread, as a lane of `SuiteRunner` runs on its engine's.
    package func withReaderThread<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor, isolation: isolation, operation: body)
    }

    /// Sends `line` and waits for it to come back.
    /// - Throws: `EngineFailure` when the echo does not come back or differs.
    package func roundTrip(_ line: String) async throws {
        do throws(PipeWriter.Failure) {
            try await PipeWriter.write(Array((line + "\n").utf8), to: process, timeout: .seconds(10))
        } catch {
            throw EngineFailure("cannot write to the echo process: \(error)")
        }
        switch await lines.next(timeout: .seconds(10)) {
        case .line(let echoed) where echoed.utf8.count == line.utf8.count:
            return
        case let event:
            throw EngineFailure("the echo process answered \(event) instead of the line")
        }
    }

    package func stop() async {
        process.closeInput()
        if !(await process.waitForExit(timeout: .seconds(5))) { process.killGroup() }
    }
}
