import TrainingClient

/// What a catalogue entry needs of the datums it selects, so that `regspec validate` can
/// reject a case whose data cannot serve its fns before any engine runs it.
enum DataRequirement: Sendable, Equatable {
    /// Every selected datum has this float input, one value per logprob.
    case input(String)
    /// A selected datum that has this input has one value per logprob (it may lack it).
    case optionalInput(String)
    /// Every value of this input is greater than 0 (a probability whose log is taken).
    case positiveInput(String)
    /// The selection holds a positive, even number of datums: (chosen, rejected) pairs.
    case pairs
    /// Every selected datum has multi-target `[T, K]` targets.
    case multiTarget

    /// Why the selected datums cannot serve this requirement, or nil when they can.
    /// - Parameters:
    ///   - data: the case's datums.
    ///   - selection: indices into `data`, in the fn's order.
    func problem(data: [CaseDatum], selection: [Int]) -> String? {
        switch self {
        case .pairs:
            guard selection.isEmpty || selection.count % 2 != 0 else { return nil }
            return "it needs (chosen, rejected) pairs, and it selects \(selection.count) datums"
        case .multiTarget:
            for index in selection {
                let shape = data[index].datum.targetTokens?.resolvedShape ?? []
                if shape.count != 2 { return "datum \(index) has targets of shape \(shape); it needs [T, K] targets" }
            }
            return nil
        case .input(let name), .optionalInput(let name), .positiveInput(let name):
            for index in selection {
                let datum = data[index]
                guard let tensor = datum.datum.lossFnInputs[name] else {
                    if case .optionalInput = self { continue }
                    return "datum \(index) has no loss_fn_inputs.\(name), which it reads"
                }
                guard tensor.data.count == datum.logprobs.count else {
                    return "datum \(index)'s loss_fn_inputs.\(name) has \(tensor.data.count) values for \(datum.logprobs.count) logprobs"
                }
                if case .positiveInput = self, let bad = tensor.data.first(where: { !($0 > 0) }) {
                    return "datum \(index)'s loss_fn_inputs.\(name) holds \(bad); it needs values > 0"
                }
            }
            return nil
        }
    }
}
