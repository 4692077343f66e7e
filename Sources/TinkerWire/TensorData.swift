/// A tensor as Tinker sends it over the wire: flat data, a dtype and an optional shape.
///
/// Values are held as `Double` whatever the dtype: every int64 token id in practice and
/// every float32 fits exactly. `int64` data is encoded as JSON integers so the JSON
/// matches what Python's SDK writes.
public struct TensorData: Sendable, Equatable, Codable {
    public enum DType: String, Sendable, Codable {
        case int64
        case float32
    }

    public var data: [Double]
    public var dtype: DType
    /// Absent means one-dimensional, as in Tinker.
    public var shape: [Int]?

    public init(data: [Double], dtype: DType, shape: [Int]? = nil) {
        self.data = data
        self.dtype = dtype
        self.shape = shape
    }

    /// Token ids, `int64`.
    public init(tokens: [Int], shape: [Int]? = nil) {
        self.init(data: tokens.map(Double.init), dtype: .int64, shape: shape)
    }

    /// Real values, `float32` on the wire.
    public init(floats: [Double], shape: [Int]? = nil) {
        self.init(data: floats, dtype: .float32, shape: shape)
    }

    /// The shape, with Tinker's default of one dimension when none is given.
    public var resolvedShape: [Int] { shape ?? [data.count] }

    /// Whether `resolvedShape` describes `data.count` elements.
    public var isConsistent: Bool {
        // Without building the default shape: that would allocate an array per check.
        guard let shape else { return true }
        return Self.elementCount(of: shape) == data.count
    }

    /// How many elements `shape` holds, or nil for a negative dimension or a product that
    /// overflows: shapes come from callers and files, and must not trap.
    public static func elementCount(of shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }

    private enum CodingKeys: String, CodingKey {
        case data, dtype, shape
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        data = try container.decode([Double].self, forKey: .data)
        dtype = try container.decode(DType.self, forKey: .dtype)
        shape = try container.decodeIfPresent([Int].self, forKey: .shape)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let integral = data.allSatisfy { $0.rounded() == $0 && abs($0) < 9.0e15 }
        if dtype == .int64 && integral {
            try container.encode(data.map { Int64($0) }, forKey: .data)
        } else {
            try container.encode(data, forKey: .data)
        }
        try container.encode(dtype, forKey: .dtype)
        try container.encodeIfPresent(shape, forKey: .shape)
    }
}
