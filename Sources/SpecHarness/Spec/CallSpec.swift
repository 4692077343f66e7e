import OrderedCollections
import TinkerWire

/// The `forward_backward_custom` call a case makes.
public struct CallSpec: Sendable {
    public var lossFn: FnSpec?
    public var regularizers: [RegularizerEntrySpec]
    public var options: CallOptions
    public var entryPoint: EntryPoint

    /// The base loss and every regularizer fn that is a catalogue reference.
    public var allFns: [FnSpec] {
        // One array, made at its size: checks read this on every case.
        var fns: [FnSpec] = []
        fns.reserveCapacity(regularizers.count + 1)
        if let lossFn { fns.append(lossFn) }
        for regularizer in regularizers {
            if let fn = regularizer.fn { fns.append(fn) }
        }
        return fns
    }
}

/// How the engine makes the call: awaited directly, or submitted and waited for later.
public enum EntryPoint: String, Sendable, Codable {
    case call
    case future
}

/// The call's options beyond the checklist.
public struct CallOptions: Sendable, Equatable {
    public var trackGradNorms = false
    public var timeoutMilliseconds: Double?
    public var maxConcurrency: Int?
}

/// A regularizer entry as the case wrote it, possibly malformed on purpose.
public struct RegularizerEntrySpec: Sendable {
    public enum Field: Sendable {
        /// A catalogue function reference (under `fn`).
        case fn(FnSpec)
        /// Any other value, passed to the implementation as it is.
        case value(JSONValue)
    }

    public var fields: ScalarKeyedDictionary<Field>
    public var location: SourceLocation

    public var fn: FnSpec? {
        guard case .fn(let spec)? = fields["fn"] else { return nil }
        return spec
    }

    /// The name, when it is a string.
    public var name: String? {
        guard case .value(.string(let name))? = fields["name"] else { return nil }
        return name
    }

    /// The weight, when it is a number (not a bool).
    public var weight: Double? {
        guard case .value(let value)? = fields["weight"] else { return nil }
        return value.doubleValue
    }
}

/// A reference to a catalogue fn with its options and parameters.
public struct FnSpec: Sendable {
    public var name: String
    public var isAsync: Bool
    public var delayMilliseconds: Double?
    public var scale: Double?
    public var datums: [Int]?
    public var metrics: ScalarKeyedDictionary<VerbatimMetric>
    public var parameters: ScalarKeyedDictionary<JSONValue>
    public var location: SourceLocation

    /// A reference made in code rather than read from a spec file.
    public init(
        name: String, isAsync: Bool = false, delayMilliseconds: Double? = nil, scale: Double? = nil, datums: [Int]? = nil,
        metrics: ScalarKeyedDictionary<VerbatimMetric> = [:], parameters: ScalarKeyedDictionary<JSONValue> = [:],
        location: SourceLocation = .start(of: "code")
    ) {
        self.name = name
        self.isAsync = isAsync
        self.delayMilliseconds = delayMilliseconds
        self.scale = scale
        self.datums = datums
        self.metrics = metrics
        self.parameters = parameters
        self.location = location
    }
}

/// A custom metric a fn returns as written in the spec.
public enum VerbatimMetric: Sendable, Equatable {
    case number(Double)
    case bool(Bool)
    /// `$loss`: the fn's own loss value.
    case ownLoss
}
