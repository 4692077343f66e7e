/// The service's tensors are float32: values a case or a backend declares float32 are held
/// as the nearest float32, so every engine computes on exactly the same numbers.
public enum Float32Rounding {
    /// The nearest float32 to `value` (ties to even); beyond float32's range, an infinity.
    public static func rounded(_ value: Double) -> Double {
        Double(Float(value))
    }

    /// Whether `value` round-trips through float32 unchanged (NaN counts as representable).
    public static func isRepresentable(_ value: Double) -> Bool {
        value.isNaN || rounded(value) == value
    }
}

extension TensorData {
    /// This tensor with its values rounded to float32 when its dtype is float32; int64
    /// tensors are returned unchanged.
    public var roundedToFloat32: TensorData {
        guard dtype == .float32 else { return self }
        return TensorData(data: data.map(Float32Rounding.rounded), dtype: dtype, shape: shape)
    }
}

extension Datum {
    /// This datum with every float32 input rounded to float32.
    public var roundedToFloat32: Datum {
        Datum(modelInput: modelInput, lossFnInputs: lossFnInputs.mapValues(\.roundedToFloat32))
    }
}
