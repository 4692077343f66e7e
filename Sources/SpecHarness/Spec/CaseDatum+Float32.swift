import TrainingClient

extension CaseDatum {
    /// The datum as a case is resolved (semantics section 10): its logprobs and its float32
    /// inputs rounded to float32, the values every engine serves and its fns see.
    public var roundedToFloat32: CaseDatum {
        CaseDatum(datum: datum.roundedToFloat32, logprobs: logprobs.map(Float32Rounding.rounded))
    }
}
