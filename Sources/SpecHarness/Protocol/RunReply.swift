import TinkerWire

/// An engine's answer to `run`, read from its line: the one place that picks the decoder.
///
/// A well-formed reply takes `ReplyDecoder`, straight from bytes; anything else, and every
/// reply in strict mode, takes the `JSONValue` tree, whose reader names the precise error.
/// So a caller reads one value and never repeats its checks per path.
struct RunReply {
    /// The run message this answers.
    var sequence: Int
    var content: Content

    enum Content {
        case observation(Observation)
        /// The engine could not run the case, and why (it did not break).
        case errored(String)
    }

    /// - Parameters:
    ///   - line: the reply as the engine wrote it, without its newline.
    ///   - strict: hold the reply to the keys and types the protocol defines (`ProtocolConformance`).
    /// - Throws: `JSONParseError` when the line is not JSON, `ProtocolError` when it is not a reply.
    static func decode(_ line: String, strict: Bool) throws -> RunReply {
        if !strict, let fast = ReplyDecoder.decode(line) {
            if let errored = fast.errored { return RunReply(sequence: fast.sequence, content: .errored(errored)) }
            if let observation = fast.observation { return RunReply(sequence: fast.sequence, content: .observation(observation)) }
        }
        let reply = try JSONParser.parse(line)
        if strict { try ProtocolConformance.checkRunReply(reply) }
        let reader = JSONReader(reply)
        let sequence = try reader.field("seq").integer()
        if let errored = try reader.optional("errored") {
            return RunReply(sequence: sequence, content: .errored(try errored.string()))
        }
        return RunReply(sequence: sequence, content: .observation(try Observation(json: try reader.field("observation").value)))
    }
}
