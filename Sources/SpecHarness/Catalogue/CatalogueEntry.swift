import Autodiff
import TrainingClient

/// One named, differentiable function that spec cases can use as a loss or regularizer.
struct CatalogueEntry: Sendable {
    let name: String
    /// The entry's own parameters and their kinds; common options are not listed here.
    let parameters: [String: ParameterKind]
    /// What it needs of its selected datums; a case expecting success must meet them.
    let requirements: [DataRequirement]
    let compute: @Sendable (CatalogueInputs) throws -> LossOutput

    init(
        name: String, parameters: [String: ParameterKind], requirements: [DataRequirement] = [],
        compute: @escaping @Sendable (CatalogueInputs) throws -> LossOutput
    ) {
        self.name = name
        self.parameters = parameters
        self.requirements = requirements
        self.compute = compute
    }
}

/// The type a catalogue parameter takes, for `regspec validate`.
enum ParameterKind: Sendable, Equatable {
    case number
    case bool
    case string
    case choice([String])
}

/// What a catalogue fn sees: its selected datums and their logprobs, and its parameters.
struct CatalogueInputs: Sendable {
    let data: [Datum]
    let logprobs: [Tensor]
    let parameters: [String: JSONValue]

    /// Every selected logprob, flattened into one 1-D tensor.
    func allLogprobs() throws -> Tensor {
        try Tensor.concatenate(logprobs.map { $0.flattened() })
    }

    /// A float input of datum `index` of the selection, as a constant shaped like its logprobs.
    func input(_ key: String, of index: Int) throws -> Tensor {
        guard let tensor = data[index].lossFnInputs[key] else {
            throw CatalogueFnError("datum \(index) of the selection has no loss_fn_inputs.\(key)")
        }
        guard tensor.data.count == logprobs[index].scalarCount else {
            throw CatalogueFnError(
                "loss_fn_inputs.\(key) of datum \(index) of the selection has \(tensor.data.count) values but its logprobs have \(logprobs[index].scalarCount)")
        }
        return try Tensor(tensor.data, shape: logprobs[index].shape)
    }

    func number(_ key: String, default fallback: Double) -> Double {
        parameters[key]?.doubleValue ?? fallback
    }

    func string(_ key: String, default fallback: String) -> String {
        parameters[key]?.stringValue ?? fallback
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        guard case .bool(let value)? = parameters[key] else { return fallback }
        return value
    }
}

/// The error a catalogue fn raises: its message is what the implementation reports.
struct CatalogueFnError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
