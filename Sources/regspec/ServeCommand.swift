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
        while let line = readLine(strippingNewline: true) {
            if line.isEmpty { continue }
            guard let reply = await server.respond(to: line) else { return }
            // The harness has gone away: nobody is left to answer.
            guard writeUnbuffered(reply + "\n", to: STDOUT_FILENO) else { return }
        }
    }
}
