/// The engine broke: the case cannot be judged. What broke is a ``Kind``, so a report or an
/// embedder tells a hang from a crash without reading the message; the stderr tail travels
/// beside the message, never inside it.
public struct EngineFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong with the engine.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The engine command could not be launched, or did not complete the handshake.
        case couldNotStart = "could_not_start"
        /// The process exited, or its pipes broke, before it answered.
        case crashed
        /// No answer (or no read of the harness's message) within the case's time.
        case timedOut = "timed_out"
        /// The engine answered, but not as the protocol says (not JSON, wrong seq, extra lines).
        case protocolViolation = "protocol_violation"
        /// The engine said it could not run the case, and kept running.
        case declined
        /// The engine broke too often: the harness stopped restarting it, the case did not run.
        case restartsExhausted = "restarts_exhausted"
        /// Anything else an engine threw (an in-process engine's own error).
        case other
    }

    public var kind: Kind
    public var message: String
    /// The last lines the engine wrote to stderr, when there are any.
    public var stderrTail: String

    public init(_ kind: Kind, _ message: String, stderrTail: String = "") {
        self.kind = kind
        self.message = message
        self.stderrTail = stderrTail
    }

    /// A failure of no named kind (``Kind/other``).
    public init(_ message: String, stderrTail: String = "") {
        self.init(.other, message, stderrTail: stderrTail)
    }

    /// `error` as the failure it stands for: an `EngineFailure` as it is, a protocol error as
    /// a violation, anything else as ``Kind/other`` with the error's own description.
    package init(wrapping error: any Error) {
        switch error {
        case let failure as EngineFailure: self = failure
        case let error as EngineCaseError: self.init(.declined, error.description)
        case let error as ProtocolError: self.init(.protocolViolation, String(describing: error))
        default: self.init(.other, String(describing: error))
        }
    }

    public var description: String {
        stderrTail.isEmpty ? message : "\(message)\n\(CaseRecord.stderrSeparator)\n\(stderrTail)"
    }
}
