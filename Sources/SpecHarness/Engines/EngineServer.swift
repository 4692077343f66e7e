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
        // A well-formed run message is read without a JSONValue tree; anything else, errors
        // included, takes the tree path below.
        if let (sequence, input) = RunMessageDecoder.decode(line) {
            do {
                let observation = try await engine.run(input)
                return String(decoding: ProtocolWriter.runReply(sequence: sequence, observation: observation), as: UTF8.self)
            } catch {
                return reply(EngineProtocol.runErroredReply(sequence: sequence, message: "\(error)"))
            }
        }
        let message: JSONValue
        do {
            message = try JSONParser.parse(line)
        } catch {
            return reply(["error": .string("the harness sent a line that is not JSON: \(error)")])
        }
        switch message["cmd"]?.stringValue {
        case "start":
            guard message["version"] == .integer(EngineProtocol.version) else {
                let asked = message["version"]?.serialized() ?? "none"
                return reply(["error": .string("protocol version \(asked) is not supported; this engine speaks \(EngineProtocol.version)"),
                              "version": .integer(EngineProtocol.version)])
            }
            do {
                return reply(EngineProtocol.startedReply(try await engine.describe()))
            } catch {
                return reply(["error": .string("cannot describe the engine: \(error)")])
            }
        case "run":
            guard case .integer(let sequence)? = message["seq"] else {
                return reply(["error": "a run message needs an integer seq"])
            }
            do {
                let input = try CaseInput(json: message["case"] ?? .null)
                let observation = try await engine.run(input)
                return String(decoding: ProtocolWriter.runReply(sequence: sequence, observation: observation), as: UTF8.self)
            } catch {
                return reply(EngineProtocol.runErroredReply(sequence: sequence, message: "\(error)"))
            }
        case "stop":
            return nil
        default:
            return reply(["error": .string("unknown command \(message["cmd"]?.serialized() ?? "none"); expected start, run or stop")])
        }
    }

    private func reply(_ value: JSONValue) -> String {
        value.serialized()
    }
}
