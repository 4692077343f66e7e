#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The protocol's engine side over any `Engine`: what `regspec serve` runs, so the reference
/// can be an oracle for other harnesses and the protocol path is tested against it.
public struct EngineServer: Sendable {
    public let engine: any Engine

    public init(engine: any Engine) {
        self.engine = engine
    }

    /// Answers one message line; nil when the line asks the server to stop.
    public func respond(to line: String) async -> String? {
        guard var bytes = await replyLine(to: line) else { return nil }
        bytes.removeLast()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The answer to one message line as the bytes to write, newline included, so that a
    /// server writes it with one call; nil when the line asks the server to stop.
    package func replyLine(to line: String) async -> [UInt8]? {
        switch HarnessMessage.decode(line) {
        case .run(let sequence, .success(let input)):
            do {
                var bytes = ProtocolWriter.runReply(sequence: sequence, observation: try await engine.run(input))
                bytes.append(UInt8(ascii: "\n"))
                return bytes
            } catch {
                return reply(EngineProtocol.runErroredReply(sequence: sequence, message: "\(error)"))
            }
        case .run(let sequence, .failure(let error)):
            return reply(EngineProtocol.runErroredReply(sequence: sequence, message: "\(error)"))
        case .start(let version):
            guard version == .integer(EngineProtocol.version) else {
                let asked = version?.serialized() ?? "none"
                return reply(["error": .string("protocol version \(asked) is not supported; this engine speaks \(EngineProtocol.version)"),
                              "version": .integer(EngineProtocol.version)])
            }
            do {
                return reply(EngineProtocol.startedReply(try await engine.describe()))
            } catch {
                return reply(["error": .string("cannot describe the engine: \(error)")])
            }
        case .stop:
            return nil
        case .unreadable(let why):
            return reply(["error": .string(why)])
        }
    }

    private func reply(_ value: JSONValue) -> [UInt8] {
        Array((value.serialized() + "\n").utf8)
    }
}
