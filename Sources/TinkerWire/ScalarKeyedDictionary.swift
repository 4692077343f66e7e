import OrderedCollections

/// An insertion-ordered dictionary whose string keys are compared as Unicode scalars
/// (`ScalarKey`), with the `String`-keyed surface of `OrderedDictionary`.
///
/// Metrics and JSON objects use it so that "café" (U+00E9) and "cafe\u{301}" stay two keys,
/// as they are in Python and in JSON.
///
/// Inlinable, as `OrderedDictionary` is, so that the client and the harness, which build
/// metrics on every call, get it specialized rather than through generic metadata at run time.
public struct ScalarKeyedDictionary<Value> {
    @usableFromInline var storage: OrderedDictionary<ScalarKey, Value>

    @inlinable
    public init() {
        storage = [:]
    }

    /// Pairs in order; a repeated key (scalar for scalar) is merged with `combine`.
    @inlinable
    public init<S: Sequence>(
        _ pairs: S, uniquingKeysWith combine: (Value, Value) throws -> Value
    ) rethrows where S.Element == (String, Value) {
        // Room for every pair first: an ordered dictionary filled one key at a time would
        // otherwise reallocate its keys and values as it grows.
        storage = OrderedDictionary(minimumCapacity: pairs.underestimatedCount)
        try storage.merge(pairs.lazy.map { (ScalarKey($0.0), $0.1) }, uniquingKeysWith: combine)
    }

    /// Empty, with room for `minimumCapacity` keys, for a caller that knows how many it will add.
    @inlinable
    package init(minimumCapacity: Int) {
        storage = OrderedDictionary(minimumCapacity: minimumCapacity)
    }

    /// Pairs in order; where a key repeats, the last value wins (never a trap).
    @inlinable
    public init<S: Sequence>(uniqueKeysWithValues pairs: S) where S.Element == (String, Value) {
        self.init(pairs, uniquingKeysWith: { _, last in last })
    }

    @inlinable
    public subscript(key: String) -> Value? {
        get { storage[ScalarKey(key)] }
        set { storage[ScalarKey(key)] = newValue }
    }

    @inlinable
    public var keys: [String] { storage.keys.map(\.string) }
    @inlinable
    public var values: [Value] { Array(storage.values) }
    @inlinable
    public var count: Int { storage.count }
    @inlinable
    public var isEmpty: Bool { storage.isEmpty }

    /// The same keys in the same order, each value transformed; the keys are not hashed again.
    @inlinable
    public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> ScalarKeyedDictionary<T> {
        var mapped = ScalarKeyedDictionary<T>()
        mapped.storage = try storage.mapValues(transform)
        return mapped
    }

    @discardableResult
    @inlinable
    public mutating func removeValue(forKey key: String) -> Value? {
        storage.removeValue(forKey: ScalarKey(key))
    }
}

extension ScalarKeyedDictionary: Sequence {
    public typealias Element = (key: String, value: Value)

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: OrderedDictionary<ScalarKey, Value>.Iterator

        @inlinable init(base: OrderedDictionary<ScalarKey, Value>.Iterator) {
            self.base = base
        }

        @inlinable
        public mutating func next() -> Element? {
            base.next().map { (key: $0.key.string, value: $0.value) }
        }
    }

    @inlinable
    public func makeIterator() -> Iterator {
        Iterator(base: storage.makeIterator())
    }

    @inlinable
    public var underestimatedCount: Int { storage.count }
}

extension ScalarKeyedDictionary: ExpressibleByDictionaryLiteral {
    @inlinable
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(elements, uniquingKeysWith: { _, last in last })
    }
}

extension ScalarKeyedDictionary: Equatable where Value: Equatable {}
extension ScalarKeyedDictionary: Sendable where Value: Sendable {}
extension ScalarKeyedDictionary.Iterator: Sendable where Value: Sendable {}
