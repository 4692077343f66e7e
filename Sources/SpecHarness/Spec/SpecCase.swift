import TinkerWire

/// One conformance case, loaded, checked and resolved against its fixtures.
public struct SpecCase: Sendable {
    public var id: String
    public var summary: String
    public var tags: [String]
    public var covers: Coverage
    public var suite: String
    public var location: SourceLocation
    /// What the engine runs.
    public var input: CaseInput
    public var expectation: Expectation
    public var tolerance: ToleranceSettings
    /// Capabilities named by `requires:`, beyond those derived from the call.
    public var declaredRequirements: Set<Capability>

    /// The `loss_fn_inputs` every engine passes on; any other is an extra input (`extra_inputs`).
    static let plainInputs: Set<String> = ["target_tokens", "weights"]

    /// Every capability an engine needs to run this case.
    public var requiredCapabilities: Set<Capability> {
        var needed = declaredRequirements
        let call = input.call
        if !call.regularizers.isEmpty { needed.insert(Capability.structured) }
        if call.regularizers.isEmpty && call.lossFn != nil { needed.insert(Capability.legacy) }
        if call.allFns.contains(where: \.isAsync) { needed.insert(Capability.async) }
        if call.options.trackGradNorms { needed.insert(Capability.gradNorms) }
        if call.options.timeoutMilliseconds != nil { needed.insert(Capability.timeouts) }
        if call.options.maxConcurrency != nil { needed.insert(Capability.maxConcurrency) }
        if call.entryPoint == .future { needed.insert(Capability.future) }
        if case .failure(let error) = expectation, error.kind != nil { needed.insert(Capability.errorKinds) }
        if expectation.telemetry != nil { needed.insert(Capability.telemetry) }
        if input.data.contains(where: { $0.datum.lossFnInputs.keys.contains(where: { !Self.plainInputs.contains($0) }) }) {
            needed.insert(Capability.extraInputs)
        }
        return needed
    }
}

/// The checklist items and semantics rules a case checks.
public struct Coverage: Sendable, Equatable {
    public var checklist: [String]
    public var rules: [String]
}

/// What an engine needs to run a case: the data its backend serves and the call to make.
public struct CaseInput: Sendable {
    public var id: String
    public var data: [CaseDatum]
    public var call: CallSpec
}

/// A datum with the logprobs the backend's forward pass returns for it.
public struct CaseDatum: Sendable {
    public var datum: Datum
    /// Flat, in the row-major order of the datum's target tokens.
    public var logprobs: [Double]
}
