/// The JSON-lines protocol between the harness and an engine (`docs/protocol.md`).
package enum EngineProtocol {
    /// Bumped on any change an existing engine would misread.
    package static let version = 1
    /// Bumped on an addition an existing engine may ignore (1.1: the optional `telemetry`
    /// capability and the observation's `telemetry` list; 1.2: the optional `extra_inputs`
    /// capability). Not sent in the handshake, whose
    /// `version` stays the integer `version`; a capability announces what an engine speaks.
    package static let minorVersion = 2

    /// `1.2`: how docs and reports name the protocol.
    package static var versionText: String { "\(version).\(minorVersion)" }

    package static func startMessage() -> JSONValue {
        ["cmd": "start", "version": .integer(version)]
    }

    package static func runMessage(sequence: Int, input: CaseInput) -> JSONValue {
        ["cmd": "run", "seq": .integer(sequence), "case": input.json]
    }

    package static func stopMessage() -> JSONValue {
        ["cmd": "stop"]
    }

    package static func startedReply(_ description: EngineDescription) -> JSONValue {
        [
            "version": .integer(version),
            "engine": [
                "name": .string(description.name), "language": .string(description.language),
                "version": .string(description.version),
                "capabilities": .array(description.capabilities.sorted().map { JSONValue.string($0.rawValue) }),
            ],
        ]
    }

    /// Reads the engine's answer to `start`.
    /// - Throws: `ProtocolError` for a malformed reply or another protocol version.
    package static func parseStarted(_ json: JSONValue) throws(ProtocolError) -> EngineDescription {
        let reader = JSONReader(json)
        if let refusal = try reader.optional("error") {
            throw ProtocolError("error", "the engine refused to start: \(try refusal.string())")
        }
        let version = try reader.field("version").integer()
        guard version == Self.version else {
            throw ProtocolError("version", "the engine speaks protocol version \(version); this harness speaks \(Self.version)")
        }
        let engine = try reader.field("engine")
        var capabilities: Set<Capability> = []
        for capability in try engine.field("capabilities").array() { capabilities.insert(Capability(rawValue: try capability.string())) }
        return EngineDescription(
            name: try engine.field("name").string(), language: try engine.field("language").string(),
            version: try engine.field("version").string(), capabilities: capabilities)
    }

    package static func runReply(sequence: Int, observation: Observation) -> JSONValue {
        ["seq": .integer(sequence), "observation": observation.json]
    }

    package static func runErroredReply(sequence: Int, message: String) -> JSONValue {
        ["seq": .integer(sequence), "errored": .string(message)]
    }
}
