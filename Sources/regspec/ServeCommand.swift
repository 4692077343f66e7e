import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReferenceEngine
import SpecHarness

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the reference engine over the JSON-lines protocol on stdin and stdout.",
        discussion: """
            The reference implementation behind the same protocol as any other engine
            (docs/protocol.md), for use as an oracle by other harnesses:
              regspec run specs --engine-command "regspec serve"
            Reads one message per line until `stop`, end of input, or a reader gone away.
            """)

    func run() async throws {
        let server = EngineServer(engine: ReferenceEngine())
        // One read brings a whole message and one write sends the answer. The reads block this
        // thread, which is what a server answering one line at a time waits for anyway; a
        // reader thread of its own would cost two thread hops per case.
        var input = LineReader(descriptor: STDIN_FILENO)
        while true {
            let reply: [UInt8]
            switch input.next() {
            case .end:
                return
            case .tooLong:
                reply = Array("{\"error\":\"the harness sent a line longer than \(LineReader.defaultMaximumLineBytes >> 20) MiB\"}\n".utf8)
            case .line(let line):
                if line.isEmpty { continue }
                guard let answer = await server.replyLine(to: line) else { return }
                reply = answer
            }
            // The harness has gone away: nobody is left to answer.
            guard writeUnbuffered(reply, to: STDOUT_FILENO) else { return }
        }
    }
}
