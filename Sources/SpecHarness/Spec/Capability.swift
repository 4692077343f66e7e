/// A capability an engine announces and a case requires: one type, one registry. The names
/// below are the only ones a spec file's `requires` or a strict engine's handshake may use;
/// an engine may announce others, which no case requires.
public struct Capability: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The name as engines announce it and spec files write it.
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let structured = Capability(rawValue: "structured")
    public static let legacy = Capability(rawValue: "legacy")
    public static let async = Capability(rawValue: "async")
    public static let errorKinds = Capability(rawValue: "error_kinds")
    public static let gradNorms = Capability(rawValue: "grad_norms")
    public static let timeouts = Capability(rawValue: "timeouts")
    public static let maxConcurrency = Capability(rawValue: "max_concurrency")
    public static let future = Capability(rawValue: "future")
    /// Reports the call's telemetry events with its reply (protocol 1.1, semantics section 12).
    public static let telemetry = Capability(rawValue: "telemetry")
    /// Computes in float64: only for a case whose tolerance a float32 computation cannot meet.
    public static let float64 = Capability(rawValue: "float64")
    /// Passes `loss_fn_inputs` other than `target_tokens` and `weights` (e.g. `ref_logprobs`) to the fns
    /// (semantics section 2); some SDK releases reject them up front. Needed by a case whose data carry them.
    public static let extraInputs = Capability(rawValue: "extra_inputs")

    /// The registry: every capability the suite knows.
    public static let all: [Capability] = [structured, legacy, async, errorKinds, gradNorms, timeouts, maxConcurrency, future, telemetry, float64, extraInputs]

    /// What the checklist and semantics sections 1-11 need: an engine without one of these is
    /// not a conforming implementation, and a run against it fails unless the user narrows it
    /// or allows a partial engine.
    public static let core: [Capability] = [structured, legacy, async, errorKinds, future]

    /// The options of semantics section 12 (telemetry included), `extra_inputs` (section 2), and `float64` (only cases whose tolerance a float32
    /// implementation cannot meet need it): an engine may lack them, and cases needing them
    /// are skipped without failing the run.
    public static let optional: [Capability] = all.filter { !core.contains($0) }

    /// The registered capability called `name`, or nil when the suite knows none by that name.
    public static func registered(_ name: String) -> Capability? {
        all.first { $0.rawValue == name }
    }

    /// Every registered name, in registry order.
    public static var names: [String] { all.map(\.rawValue) }

    public var description: String { rawValue }

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Collection where Element == Capability {
    /// The names, sorted and joined: `async, structured`.
    package var listed: String { map(\.rawValue).sorted().joined(separator: ", ") }
}
