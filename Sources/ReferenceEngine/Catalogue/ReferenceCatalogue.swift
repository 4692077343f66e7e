import Autodiff
import SpecHarness
import TinkerWire
import TrainingClient

/// The Swift reference's implementations of the catalogue fns (`Catalogue` declares them),
/// and how to make a `LossFunction` of one.
public struct ReferenceCatalogue: Sendable {
    private let implementations: [String: CatalogueImplementation]

    package init(_ implementations: [CatalogueImplementation]) {
        self.implementations = Dictionary(implementations.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// An implementation of every entry of `Catalogue.standard`.
    public static let standard = ReferenceCatalogue(reductions + objectives + faults)

    public var names: [String] { implementations.keys.sorted() }

    /// How these implementations differ from `declaration`: each declared fn left
    /// unimplemented, each implemented fn not declared. Empty when they agree.
    package func differences(from declaration: Catalogue) -> [String] {
        let declared = Set(declaration.names)
        let implemented = Set(names)
        return declared.subtracting(implemented).sorted().map { "'\($0)' is declared but not implemented" }
            + implemented.subtracting(declared).sorted().map { "'\($0)' is implemented but not declared" }
    }

    /// A loss function that computes `spec` over the datums it selects.
    ///
    /// A spec that passed `regspec validate` names a known entry; an unknown one gives a fn
    /// that raises, so that even then nothing traps.
    /// The longest sleep a fn is said to take at most; beyond it (a day) the duration is not
    /// worth the risk of overflowing a `Duration`, and the fn counts as of unknown length.
    static let longestKnownSleepMilliseconds = 86_400_000.0

    public func lossFunction(for spec: FnSpec) -> LossFunction {
        let implementation = implementations[spec.name]
        let compute: @Sendable ([Datum], [Tensor]) throws -> LossOutput = { data, logprobs in
            guard let implementation else { throw CatalogueFnError("unknown catalogue fn '\(spec.name)'") }
            let inputs: CatalogueInputs
            if let selection = spec.datums {
                for index in selection where !data.indices.contains(index) {
                    throw CatalogueFnError("datums selects datum \(index) but the call has \(data.count) datums")
                }
                inputs = CatalogueInputs(
                    data: selection.map { data[$0] }, logprobs: selection.map { logprobs[$0] },
                    parameters: spec.parameters)
            } else {
                // Every datum: the call's own arrays, not copies of them.
                inputs = CatalogueInputs(data: data, logprobs: logprobs, parameters: spec.parameters)
            }
            var output = try implementation.compute(inputs)
            if let scale = spec.scale { output.loss = output.loss * scale }
            for (key, metric) in spec.metrics {
                switch metric {
                case .number(let value): output.metrics.entries[key] = .number(value)
                case .bool(let value): output.metrics.entries[key] = .bool(value)
                case .ownLoss: output.metrics.entries[key] = .number((try? output.loss.item()) ?? .nan)
                }
            }
            return output
        }
        guard spec.isAsync else { return .sync(compute) }
        let delay = spec.delayMilliseconds
        let body: LossFunction.AsyncBody = { data, logprobs in
            if let delay, delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            return try compute(data, logprobs)
        }
        // The sleep, then arithmetic that takes microseconds.
        let sleep = delay ?? 0
        guard sleep.isFinite, sleep <= Self.longestKnownSleepMilliseconds else { return .async(body) }
        return .async(knownDuration: .milliseconds(max(0, sleep)), body)
    }
}
