import Foundation

/// A line sent to a child process that echoes it back (`cat`), over the same pipes, reader
/// thread and line buffer the harness uses for an engine: the floor under any protocol round
/// trip, with no JSON on either side. The benchmark holds `regspec serve` to a multiple of it.
public final class PipePingPong {
    private let process = Process()
    private let input: FileHandle
    private let lines = LineBuffer()

    /// Starts `command` (default `cat`), which must echo each line it reads.
    public init(command: String = "cat") throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec " + command]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        input = stdin.fileHandleForWriting
        StreamReader.start(stdout.fileHandleForReading, into: lines)
    }

    /// Sends `line` and waits for it to come back.
    /// - Throws: `EngineFailure` when the echo does not come back or differs.
    public func roundTrip(_ line: String) async throws {
        try input.write(contentsOf: Data((line + "\n").utf8))
        switch await lines.next(timeout: .seconds(10)) {
        case .line(let echoed) where echoed.utf8.count == line.utf8.count:
            return
        case let event:
            throw EngineFailure("the echo process answered \(event) instead of the line")
        }
    }

    public func stop() {
        try? input.close()
        process.waitUntilExit()
    }
}
