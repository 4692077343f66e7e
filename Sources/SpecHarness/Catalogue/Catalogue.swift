import Autodiff
import TrainingClient

/// The named fns spec cases use (`docs/catalogue.md`), and how to make a `LossFunction` of one.
public struct Catalogue: Sendable {
    private let entries: [String: CatalogueEntry]

    init(_ entries: [CatalogueEntry]) {
        self.entries = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every entry of `docs/catalogue.md`.
    public static let standard = Catalogue(reductions + objectives + faults)

    public var names: [String] { entries.keys.sorted() }

    /// The entry's own parameters, or nil for an unknown name.
    func parameters(of name: String) -> [String: ParameterKind]? {
        entries[name]?.parameters
    }

    /// The entry's data requirements, or nil for an unknown name.
    func requirements(of name: String) -> [DataRequirement]? {
        entries[name]?.requirements
    }

    /// A loss function that computes `spec` over the datums it selects.
    ///
    /// A spec that passed `regspec validate` names a known entry; an unknown one gives a fn
    /// that raises, so that even then nothing traps.
    public func lossFunction(for spec: FnSpec) -> LossFunction {
        let entry = entries[spec.name]
        let compute: @Sendable ([Datum], [Tensor]) throws -> LossOutput = { data, logprobs in
            guard let entry else { throw CatalogueFnError("unknown catalogue fn '\(spec.name)'") }
            let selection = spec.datums ?? Array(data.indices)
            for index in selection where !data.indices.contains(index) {
                throw CatalogueFnError("datums selects datum \(index) but the call has \(data.count) datums")
            }
            let inputs = CatalogueInputs(
                data: selection.map { data[$0] }, logprobs: selection.map { logprobs[$0] },
                parameters: Dictionary(spec.parameters.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }))
            var output = try entry.compute(inputs)
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
        return .async { data, logprobs in
            if let delay, delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            return try compute(data, logprobs)
        }
    }
}
