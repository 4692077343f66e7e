import Autodiff
import SpecHarness
import TinkerWire

/// What a catalogue fn sees: its selected datums and their logprobs, and its parameters.
package struct CatalogueInputs: Sendable {
    let data: [Datum]
    let logprobs: [Tensor]
    /// As the case wrote them, keyed scalar for scalar.
    let parameters: ScalarKeyedDictionary<JSONValue>

    /// Every selected logprob, flattened into one 1-D tensor.
    func allLogprobs() throws -> Tensor {
        try Tensor.concatenate(logprobs.map { $0.flattened() })
    }

    /// A float input of datum `index` of the selection, as a constant shaped like its logprobs.
    func input(_ key: String, of index: Int) throws -> Tensor {
        guard let tensor = data[index].lossFnInput(key) else {
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
