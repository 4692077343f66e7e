import SpecHarness
import TinkerWire
import TrainingClient

/// Runs cases in process against the Swift reference client and a fixed-logprobs backend.
public struct ReferenceEngine: Engine {
    public let catalogue: ReferenceCatalogue

    public init(catalogue: ReferenceCatalogue = .standard) {
        self.catalogue = catalogue
    }

    public static let description = EngineDescription(
        name: "regspec-reference", language: "swift", version: RegSpecVersion.current,
        capabilities: Set(Capability.all))

    public func describe() -> EngineDescription { Self.description }

    public func run(_ input: CaseInput) async -> Observation {
        // Resolved cases are rounded already; a case from another harness (`serve`) may not be.
        let resolved = input.data.map(\.roundedToFloat32)
        let backend = FixedLogprobsBackend(logprobs: resolved.map(\.logprobs))
        let client = TrainingClient(backend: backend)
        let call = input.call
        let lossFn = call.lossFn.map(catalogue.lossFunction(for:))
        let regularizers = call.regularizers.map(arguments(for:))
        var options = CustomLossOptions(trackGradNorms: call.options.trackGradNorms, maxConcurrency: call.options.maxConcurrency)
        options.timeout = call.options.timeoutMilliseconds.map { .milliseconds($0) }
        let telemetry = RecordingTelemetrySink()
        options.telemetry = telemetry
        let data = resolved.map(\.datum)

        let outcome: Observation.Outcome
        do {
            let output: ForwardBackwardOutput
            switch call.entryPoint {
            case .call:
                output = try await client.forwardBackwardCustom(
                    data, lossFn: lossFn, regularizerArguments: regularizers, options: options)
            case .future:
                output = try await client.forwardBackwardCustomFuture(
                    data, lossFn: lossFn, regularizerArguments: regularizers, options: options
                ).result()
            }
            outcome = .success(metrics: output.metrics)
        } catch let error as CustomLossError {
            outcome = .failure(ObservedError(kind: error.kind.rawValue, label: error.label, message: error.message, type: "CustomLossError"))
        } catch {
            outcome = .failure(ObservedError(kind: nil, label: nil, message: String(describing: error), type: String(describing: type(of: error))))
        }
        var callError: ObservedError? = nil
        if case .failure(let error) = outcome { callError = error }
        return Observation(
            outcome: outcome, forwardRequests: await backend.forwardRequests,
            backwardRequests: await backend.forwardBackwardRequests,
            telemetry: telemetry.events.map { TelemetryRecord(referenceEvent: $0, callError: callError) })
    }

    private func arguments(for entry: RegularizerEntrySpec) -> RegularizerArguments {
        RegularizerArguments(entry.fields.mapValues { field in
            switch field {
            case .fn(let spec): .function(catalogue.lossFunction(for: spec))
            case .value(let value): Self.argument(value)
            }
        })
    }

    /// A JSON value as a dynamically typed caller would pass it.
    static func argument(_ value: JSONValue) -> ArgumentValue {
        switch value {
        case .null: return .none
        case .bool(let flag): return .bool(flag)
        case .integer(let number): return .integer(number)
        case .number(let number): return .number(number)
        case .string(let text): return .string(text)
        case .array(let items): return .list(items.map(argument))
        case .object(let object): return .mapping(object.mapValues(argument))
        }
    }
}
