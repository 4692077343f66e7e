import TinkerWire

/// Every tensor labelled float32 in a request the backend received holds float32 values.
///
/// The service's tensors are float32: a value that does not survive the round trip through
/// `Float` is a float64 sent under a float32 label (what `TensorData.from_torch` does with a
/// float64 tensor), and the service would compute with something other than what the client
/// computed. Values the case itself supplied and the engine passed on unchanged are the
/// harness's to round, not the engine's, so they are not held against it.
struct Float32WireCheck {
    let caseData: [CaseDatum]

    /// How many offending values of one tensor are named before the rest are counted.
    static let namedPerTensor = 3

    func check(_ observation: Observation) -> [Mismatch] {
        // Nearly always every value is a float32 value: one pass over them decides that, and
        // only a request that holds an offending value is walked again to name it.
        guard !Self.allRepresentable(observation.forwardRequests) || !Self.allRepresentable(observation.backwardRequests) else {
            return []
        }
        var mismatches: [Mismatch] = []
        for (kind, requests) in [("forward", observation.forwardRequests), ("backward", observation.backwardRequests)] {
            for (requestIndex, request) in requests.enumerated() {
                for (datumIndex, datum) in request.data.enumerated() {
                    for (key, tensor) in datum.lossFnInputs.sorted(by: { $0.key < $1.key }) where tensor.dtype == .float32 {
                        // The backward weights are the engine's own: -d(loss_total)/d(logprobs).
                        let passedOn = !(kind == "backward" && key == "weights") && datumIndex < caseData.count
                        let supplied = passedOn ? caseData[datumIndex].datum.lossFnInputs[key] : nil
                        let path = "requests.\(kind)[\(requestIndex)].data[\(datumIndex)].loss_fn_inputs.\(key)"
                        if let mismatch = Self.check(tensor, suppliedByCase: supplied, path: path) {
                            mismatches.append(mismatch)
                        }
                    }
                }
            }
        }
        return mismatches
    }

    /// Whether every value of every float32 tensor in `requests` is a float32 value.
    private static func allRepresentable(_ requests: [ForwardBackwardRequest]) -> Bool {
        requests.allSatisfy { request in
            request.data.allSatisfy { datum in
                datum.lossFnInputs.values.allSatisfy { tensor in
                    tensor.dtype != .float32 || tensor.data.allSatisfy(Float32Rounding.isRepresentable)
                }
            }
        }
    }

    static func check(_ tensor: TensorData, suppliedByCase supplied: TensorData?, path: String) -> Mismatch? {
        var offending: [(index: Int, value: Double)] = []
        for (index, value) in tensor.data.enumerated() where !Float32Rounding.isRepresentable(value) {
            if let supplied, index < supplied.data.count, supplied.data[index].bitPattern == value.bitPattern { continue }
            offending.append((index, value))
        }
        guard let first = offending.first else { return nil }
        let named = offending.prefix(namedPerTensor).map { item in
            "[\(item.index)] = \(item.value) (nearest float32 \(Double(Float(item.value))))"
        }
        let more = offending.count > namedPerTensor ? " and \(offending.count - namedPerTensor) more" : ""
        return Mismatch(
            path,
            "labelled float32 but \(offending.count) of \(tensor.data.count) values are not float32 values: "
                + named.joined(separator: ", ") + more
                + "; round to float32 before sending (first at index \(first.index))")
    }
}
