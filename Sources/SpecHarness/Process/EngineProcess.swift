#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One running engine process: launched on first use, handshaken, and killed and relaunched
/// after it breaks. An actor because the process and its pipes have a single owner.
actor EngineProcess {
    /// Where the process is in its life, as wptrunner's runner manager tracks its browser:
    /// every path below starts from one of these and leaves it in one.
    enum State {
        /// No process: none was needed yet, or the last one was stopped.
        case notStarted
        /// Launched; the handshake is in flight.
        case starting(SpawnedProcess)
        /// Handshaken: cases run on it.
        case ready(SpawnedProcess, EngineDescription)
        /// Killed after it broke (crashed, hung, broke the protocol), and why; the next case
        /// launches a new one.
        case broken(String)

        /// The process whose pipes the harness uses, while there is one.
        var process: SpawnedProcess? {
            switch self {
            case .starting(let process), .ready(let process, _): process
            case .notStarted, .broken: nil
            }
        }
    }

    let command: String
    let strictProtocol: Bool
    /// Runs a task bound to this worker on its processes' stdout readers, one after another.
    nonisolated let executor = EngineExecutor()
    private(set) var state = State.notStarted
    private var lines = LineBuffer()
    private let stderrTail = OutputTail()
    private var sequence = 0

    init(command: String, strictProtocol: Bool) {
        self.command = command
        self.strictProtocol = strictProtocol
    }

    /// Launches the process if it is not running and replays the handshake.
    /// - Throws: `EngineFailure`, or `ProtocolError` when the engine speaks another version.
    func start(timeout: Duration) async throws -> EngineDescription {
        if case .ready(let process, let description) = state, process.exitStatus == nil { return description }
        terminate(because: "it is started again")
        try launch()
        do {
            try await send(EngineProtocol.startMessage(), timeout: timeout, what: "the start message")
            let reply = try await readMessage(timeout: timeout, waitingFor: "the answer to start")
            if strictProtocol { try ProtocolConformance.checkStarted(reply) }
            let started = try EngineProtocol.parseStarted(reply)
            guard let process = state.process else { throw EngineFailure(.couldNotStart, "the engine was stopped while it started") }
            state = .ready(process, started)
            return started
        } catch let failure as EngineFailure {
            // An engine that dies on start-up (an import error, say) explains itself on stderr.
            await state.process?.waitForExit(timeout: .milliseconds(200))
            terminate(because: failure.message)
            throw EngineFailure(.couldNotStart, failure.message, stderrTail: await stderrTail.settledText())
        }
    }

    /// Runs one case; on any breakage the process is killed so the next case gets a fresh one.
    func run(_ caseInput: CaseInput, timeout: Duration, startTimeout: Duration) async throws -> Observation {
        do {
            // Lines left over from an earlier case (a second answer to it, arriving late) would
            // be read as this case's answer: start this case on a fresh process instead.
            if case .ready = state, lines.discardQueued() > 0 { terminate(because: "it wrote lines nobody asked for") }
            _ = try await start(timeout: startTimeout)
            sequence += 1
            let expected = sequence
            try await send(
                ProtocolWriter.runMessage(sequence: expected, input: caseInput), timeout: timeout,
                what: "the run message of case \(caseInput.id)")
            let line = try await readLine(timeout: timeout, waitingFor: "the answer to case \(caseInput.id)")
            let reply: RunReply
            do {
                reply = try RunReply.decode(line, strict: strictProtocol)
            } catch let error as JSONParseError {
                throw notJSON(line, error)
            }
            guard reply.sequence == expected else {
                throw EngineFailure(.protocolViolation, "the engine answered seq \(reply.sequence) to run seq \(expected)")
            }
            // A second line written with the answer is this case's fault, not the next one's.
            let extra = lines.discardQueued()
            if extra > 0 {
                throw EngineFailure(.protocolViolation, "the engine wrote \(extra) more line(s) after its answer to run seq \(expected)")
            }
            switch reply.content {
            case .errored(let message):
                // The engine is fine but could not run this case; keep the process.
                throw EngineCaseError(description: "the engine could not run the case: \(EngineText.capped(message))")
            case .observation(let observation):
                // A later report should show what came after this good answer, not before it.
                stderrTail.clear()
                return observation.cappingEngineText()
            }
        } catch let error as EngineCaseError {
            throw error
        } catch let error as EngineFailure {
            terminate(because: error.message)
            throw EngineFailure(error.kind, EngineText.capped(error.message), stderrTail: await stderrTail.settledText())
        } catch {
            terminate(because: "\(error)")
            throw EngineFailure(.protocolViolation, EngineText.capped("protocol error: \(error)"), stderrTail: await stderrTail.settledText())
        }
    }

    /// Asks the engine to stop (unless the task is cancelled: then it is killed at once), then
    /// makes sure it and its process group have, and are reaped.
    func stop() async {
        guard let process = state.process else { return }
        if process.exitStatus == nil && !Task.isCancelled {
            try? await send(EngineProtocol.stopMessage(), timeout: .milliseconds(500), what: "the stop message")
            process.closeInput()
            await process.waitForExit(timeout: .seconds(1))
        }
        process.killGroup()
        // And one a case started again while this waited: a stopped engine leaves nothing running.
        state.process?.killGroup()
        state = .notStarted
        await process.waitForExit(timeout: .seconds(5))
    }

    private func launch() throws {
        let process = try SpawnedProcess.spawn(command)
        state = .starting(process)
        lines = LineBuffer()
        stderrTail.clear()
        StreamReader.start(process, into: lines, serving: executor)
        StreamReader.startTail(process, into: stderrTail)
    }

    /// Kills the process and its group (its exit thread reaps it) and says why.
    private func terminate(because reason: String) {
        guard let process = state.process else { return }
        process.killGroup()
        state = .broken(reason)
    }

    private func send(_ message: JSONValue, timeout: Duration, what: String) async throws {
        try await send(Array(message.serialized().utf8), timeout: timeout, what: what)
    }

    /// Writes one message line already encoded (see `ProtocolWriter`), within `timeout`.
    private func send(_ bytes: [UInt8], timeout: Duration, what: String) async throws {
        guard let process = state.process else { throw EngineFailure(.crashed, "the engine is not running") }
        do throws(PipeWriter.Failure) {
            try await PipeWriter.write(bytes + [UInt8(ascii: "\n")], to: process, timeout: timeout)
        } catch .timedOut(let written, let total) {
            throw EngineFailure(.timedOut, "the engine did not read \(what) within \(timeout) (it took \(written) of \(total) bytes); it was killed")
        } catch .broken(let why) {
            throw EngineFailure(.crashed, "cannot write \(what) to the engine: \(why)")
        }
    }

    private func readMessage(timeout: Duration, waitingFor what: String) async throws -> JSONValue {
        let line = try await readLine(timeout: timeout, waitingFor: what)
        do {
            return try JSONParser.parse(line)
        } catch {
            throw notJSON(line, error)
        }
    }

    private func notJSON(_ line: String, _ error: JSONParseError) -> EngineFailure {
        EngineFailure(.protocolViolation, "the engine wrote a line that is not JSON (\(error)): \(line.prefix(200))")
    }

    private func readLine(timeout: Duration, waitingFor what: String) async throws -> String {
        let event = await lines.next(timeout: timeout)
        switch event {
        case .line(let line):
            return line
        case .closed(let reason):
            throw EngineFailure(.crashed, "\(reason) while the harness waited for \(what)")
        case .timedOut, .cancelled:
            throw EngineFailure(.timedOut, "the engine did not answer within \(timeout) (waiting for \(what)); it was killed")
        }
    }
}

/// The engine reported that it could not run a case, without breaking: the case is errored,
/// the process stays.
struct EngineCaseError: Error, CustomStringConvertible {
    let description: String
}
