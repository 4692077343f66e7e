/// A metrics object: string keys in insertion order, numbers or nested objects.
///
/// Order is kept because the structured metrics promise regularizers in call order; keys are
/// compared as Unicode scalars, so two spellings of a name are two keys.
public struct Metrics: Sendable, Equatable, Codable, ExpressibleByDictionaryLiteral, Sequence {
    public private(set) var entries: ScalarKeyedDictionary<MetricValue>

    public init() {
        entries = [:]
    }

    public init(_ entries: ScalarKeyedDictionary<MetricValue>) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (String, MetricValue)...) {
        entries = ScalarKeyedDictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public var keys: [String] { entries.keys }

    public subscript(key: String) -> MetricValue? {
        get { entries[key] }
        set { entries[key] = newValue }
    }

    /// The number at a path of keys, e.g. `["regularizers", "l2", "value"]`.
    @inlinable
    public func number(at path: [String]) -> Double? {
        guard case .number(let value)? = value(at: path) else { return nil }
        return value
    }

    /// The value at a path of keys, or nil when any step is missing.
    ///
    /// Inlinable and without copying the path, so that a checker's literal paths need no
    /// array on the heap: results are read field by field on every check.
    @inlinable
    public func value(at path: [String]) -> MetricValue? {
        guard let first = path.first, var current = entries[first] else { return nil }
        for key in path.dropFirst() {
            guard case .object(let nested) = current, let next = nested.entries[key] else { return nil }
            current = next
        }
        return current
    }

    public func makeIterator() -> ScalarKeyedDictionary<MetricValue>.Iterator {
        entries.makeIterator()
    }

    private struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodable cannot keep key order: a decoder hands over an object's keys unordered.
    /// Where order matters (a reply's regularizers), read the JSON with an order-keeping
    /// parser, as the conformance harness does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: DynamicKey.self)
        var entries: ScalarKeyedDictionary<MetricValue> = [:]
        for key in container.allKeys {
            entries[key.stringValue] = try container.decode(MetricValue.self, forKey: key)
        }
        self.entries = entries
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        for (key, value) in entries {
            try container.encode(value, forKey: DynamicKey(stringValue: key))
        }
    }
}

/// A metric: a number, or a nested object such as one regularizer's entry.
public enum MetricValue: Sendable, Equatable, Codable {
    case number(Double)
    case object(Metrics)

    /// Decodable cannot keep key order: a decoder hands over an object's keys unordered.
    /// Where order matters (a reply's regularizers), read the JSON with an order-keeping
    /// parser, as the conformance harness does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .object(try container.decode(Metrics.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .number(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .object(let object):
            try object.encode(to: encoder)
        }
    }
}
