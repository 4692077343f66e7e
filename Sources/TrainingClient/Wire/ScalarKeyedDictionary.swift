import OrderedCollections

/// An insertion-ordered dictionary whose string keys are compared as Unicode scalars
/// (`ScalarKey`), with the `String`-keyed surface of `OrderedDictionary`.
///
/// Metrics and JSON objects use it so that "café" (U+00E9) and "cafe\u{301}" stay two keys,
/// as they are in Python and in JSON.
public struct ScalarKeyedDictionary<Value> {
    private var storage: OrderedDictionary<ScalarKey, Value>

    public init() {
        storage = [:]
    }

    /// Pairs in order; a repeated key (scalar for scalar) is merged with `combine`.
    public init<S: Sequence>(
        _ pairs: S, uniquingKeysWith combine: (Value, Value) throws -> Value
    ) rethrows where S.Element == (String, Value) {
        storage = try OrderedDictionary(pairs.lazy.map { (ScalarKey($0.0), $0.1) }, uniquingKeysWith: combine)
    }

    /// Pairs in order; where a key repeats, the last value wins (never a trap).
    public init<S: Sequence>(uniqueKeysWithValues pairs: S) where S.Element == (String, Value) {
        self.init(pairs, uniquingKeysWith: { _, last in last })
    }

    public subscript(key: String) -> Value? {
        get { storage[ScalarKey(key)] }
        set { storage[ScalarKey(key)] = newValue }
    }

    public var keys: [String] { storage.keys.map(\.string) }
    public var values: [Value] { Array(storage.values) }
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> ScalarKeyedDictionary<T> {
        var mapped = ScalarKeyedDictionary<T>()
        for (key, value) in storage { mapped.storage[key] = try transform(value) }
        return mapped
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        storage.removeValue(forKey: ScalarKey(key))
    }
}

extension ScalarKeyedDictionary: Sequence {
    public typealias Element = (key: String, value: Value)

    public struct Iterator: IteratorProtocol {
        var base: OrderedDictionary<ScalarKey, Value>.Iterator
        public mutating func next() -> Element? {
            base.next().map { (key: $0.key.string, value: $0.value) }
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(base: storage.makeIterator())
    }

    public var underestimatedCount: Int { storage.count }
}

extension ScalarKeyedDictionary: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(elements, uniquingKeysWith: { _, last in last })
    }
}

extension ScalarKeyedDictionary: Equatable where Value: Equatable {}
extension ScalarKeyedDictionary: Sendable where Value: Sendable {}
extension ScalarKeyedDictionary.Iterator: Sendable where Value: Sendable {}
