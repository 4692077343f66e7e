import Foundation

/// One running engine process: launched on first use, handshaken, and killed and relaunched
/// after it breaks. An actor because the process and its pipes have a single owner.
actor EngineProcess {
    let command: String
    let strictProtocol: Bool
    private var process: Process?
    private var input: FileHandle?
    private var lines = LineBuffer()
    private let stderrTail = OutputTail()
    private var description: EngineDescription?
    private var sequence = 0

    init(command: String, strictProtocol: Bool) {
        self.command = command
        self.strictProtocol = strictProtocol
    }

    /// Launches the process if it is not running and replays the handshake.
    /// - Throws: `EngineFailure`, or `ProtocolError` when the engine speaks another version.
    func start(timeout: Duration) async throws -> EngineDescription {
        if let description, process?.isRunning == true { return description }
        terminate()
        try launch()
        do {
            try send(EngineProtocol.startMessage())
            let reply = try await readMessage(timeout: timeout, waitingFor: "the answer to start")
            if strictProtocol { try ProtocolConformance.checkStarted(reply) }
            let started = try EngineProtocol.parseStarted(reply)
            description = started
            return started
        } catch let failure as EngineFailure {
            // An engine that dies on start-up (an import error, say) explains itself on stderr.
            try? await Task.sleep(for: .milliseconds(50))
            terminate()
            throw EngineFailure(failure.message, stderrTail: stderrTail.text)
        }
    }

    /// Runs one case; on any breakage the process is killed so the next case gets a fresh one.
    func run(_ caseInput: CaseInput, timeout: Duration) async throws -> Observation {
        do {
            _ = try await start(timeout: timeout)
            sequence += 1
            let expected = sequence
            try send(line: ProtocolWriter.runMessage(sequence: expected, input: caseInput))
            let line = try await readLine(timeout: timeout, waitingFor: "the answer to case \(caseInput.id)")
            // The fast decoder reads well-formed replies; anything else takes the tree path for its error.
            if !strictProtocol, let fast = ReplyDecoder.decode(line) {
                guard fast.sequence == expected else {
                    throw EngineFailure("the engine answered seq \(fast.sequence) to run seq \(expected)")
                }
                if let errored = fast.errored {
                    throw EngineCaseError(description: "the engine could not run the case: \(errored)")
                }
                if let observation = fast.observation {
                    stderrTail.clear()
                    return observation
                }
            }
            let reply = try parse(line)
            if strictProtocol { try ProtocolConformance.checkRunReply(reply) }
            let reader = JSONReader(reply)
            let answered = try reader.field("seq").integer()
            guard answered == expected else {
                throw EngineFailure("the engine answered seq \(answered) to run seq \(expected)")
            }
            if let errored = try reader.optional("errored") {
                // The engine is fine but could not run this case; keep the process.
                throw EngineCaseError(description: "the engine could not run the case: \(try errored.string())")
            }
            let observation = try Observation(json: try reader.field("observation").value)
            // A later report should show what came after this good answer, not before it.
            stderrTail.clear()
            return observation
        } catch let error as EngineCaseError {
            throw error
        } catch let error as EngineFailure {
            terminate()
            throw EngineFailure(error.message, stderrTail: stderrTail.text)
        } catch {
            terminate()
            throw EngineFailure("protocol error: \(error)", stderrTail: stderrTail.text)
        }
    }

    /// Asks the engine to stop, then makes sure it has.
    func stop() async {
        guard process?.isRunning == true else { return }
        try? send(EngineProtocol.stopMessage())
        try? input?.close()
        for _ in 0..<20 where process?.isRunning == true {
            try? await Task.sleep(for: .milliseconds(50))
        }
        terminate()
    }

    private func launch() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // exec, so that killing the process kills the engine and not only a shell.
        process.arguments = ["-c", "exec " + command]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw EngineFailure("cannot start the engine command `\(command)`: \(error.localizedDescription)")
        }
        self.process = process
        input = stdin.fileHandleForWriting
        lines = LineBuffer()
        stderrTail.clear()
        StreamReader.start(stdout.fileHandleForReading, into: lines)
        StreamReader.startTail(stderr.fileHandleForReading, into: stderrTail)
    }

    private func terminate() {
        description = nil
        guard let process else { return }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? input?.close()
        self.process = nil
        input = nil
    }

    private func send(_ message: JSONValue) throws {
        guard let input else { throw EngineFailure("the engine is not running") }
        do {
            try input.write(contentsOf: Data((message.serialized() + "\n").utf8))
        } catch {
            throw EngineFailure("cannot write to the engine (it exited?): \(error.localizedDescription)")
        }
    }

    /// Writes one message line already encoded (see `ProtocolWriter`).
    private func send(line bytes: [UInt8]) throws {
        guard let input else { throw EngineFailure("the engine is not running") }
        do {
            var line = bytes
            line.append(UInt8(ascii: "\n"))
            try input.write(contentsOf: line)
        } catch {
            throw EngineFailure("cannot write to the engine (it exited?): \(error.localizedDescription)")
        }
    }

    private func readMessage(timeout: Duration, waitingFor what: String) async throws -> JSONValue {
        try parse(try await readLine(timeout: timeout, waitingFor: what))
    }

    private func parse(_ line: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(line)
        } catch {
            throw EngineFailure("the engine wrote a line that is not JSON (\(error)): \(line.prefix(200))")
        }
    }

    private func readLine(timeout: Duration, waitingFor what: String) async throws -> String {
        let event = await lines.next(timeout: timeout)
        switch event {
        case .line(let line):
            return line
        case .closed(let reason):
            throw EngineFailure("\(reason) while the harness waited for \(what)")
        case .timedOut, .cancelled:
            throw EngineFailure("the engine did not answer within \(timeout) (waiting for \(what)); it was killed")
        }
    }
}

/// The engine reported that it could not run a case, without breaking: the case is errored,
/// the process stays.
struct EngineCaseError: Error, CustomStringConvertible {
    let description: String
}
