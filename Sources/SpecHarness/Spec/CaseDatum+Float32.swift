import TinkerWire

extension CaseDatum {
    /// The datum as a case is resolved (semantics section 10): its logprobs and its float32
    /// inputs rounded to float32, the values every engine serves and its fns see.
    public var roundedToFloat32: CaseDatum {
        // A resolved case is rounded already: reading it is cheaper than copying it.
        if isRoundedToFloat32 { return self }
        return CaseDatum(datum: datum.roundedToFloat32, logprobs: logprobs.map(Float32Rounding.rounded))
    }

    /// Whether rounding would change nothing: every logprob and float32 input is a float32 value.
    var isRoundedToFloat32: Bool {
        logprobs.allSatisfy(Float32Rounding.isRepresentable)
            && datum.lossFnInputs.values.allSatisfy { tensor in
                tensor.dtype != .float32 || tensor.data.allSatisfy(Float32Rounding.isRepresentable)
            }
    }
}
