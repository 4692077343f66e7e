/// Something that runs spec cases: the in-process reference, or an implementation behind a protocol.
public protocol Engine: Sendable {
    /// Who the engine is and what it can do; asked once before a run.
    func describe() async throws -> EngineDescription
    /// Runs one case and reports what happened.
    /// - Throws: `EngineFailure` when the engine itself broke (crash, hang, garbage), so the
    ///   case is reported as errored rather than failed.
    func run(_ input: CaseInput) async throws -> Observation
    /// Stops whatever the engine started (processes, threads): `withEngine` calls it on every
    /// path. An engine in process has nothing to stop.
    func shutdown() async
}

extension Engine {
    public func shutdown() async {}
}

/// An engine's name, language, version and capabilities.
public struct EngineDescription: Sendable, Equatable, Codable {
    public var name: String
    public var language: String
    public var version: String
    public var capabilities: Set<Capability>

    public init(name: String, language: String, version: String, capabilities: Set<Capability>) {
        self.name = name
        self.language = language
        self.version = version
        self.capabilities = capabilities
    }
}
