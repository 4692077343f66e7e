import TinkerWire

/// The keys an engine reported against the keys it must report, compared as Unicode scalars.
///
/// Linear in the number of keys (a hash set of each side), and its description names at most
/// `namedPerList` keys of each kind: an engine controls how many keys it sends, so neither
/// the judging nor the message may grow with the square of that number.
struct KeySetComparison {
    let expected: [String]
    let actual: [String]
    /// Keys that must be reported but are not.
    let missing: [String]
    /// Keys reported that must not be.
    let unexpected: [String]

    static let namedPerList = 8
    /// Up to this many key pairs the sides are compared by scanning; beyond, through hash sets.
    static let scanLimit = 64

    init(expected: [String], actual: [String]) {
        self.expected = expected
        self.actual = actual
        // An engine that conforms reports the keys in the order they are expected: the same
        // keys in the same order leave nothing missing and nothing unexpected.
        if ScalarKey.same(expected, actual) {
            missing = []
            unexpected = []
            return
        }
        // A few keys a side (every entry a result has): a scan beats building two hash sets.
        if expected.count * actual.count <= Self.scanLimit {
            missing = expected.filter { key in !actual.contains { ScalarKey.same($0, key) } }
            unexpected = actual.filter { key in !expected.contains { ScalarKey.same($0, key) } }
            return
        }
        let actualSet = Set(actual.map { ScalarKey($0) })
        let expectedSet = Set(expected.map { ScalarKey($0) })
        missing = expected.filter { !actualSet.contains(ScalarKey($0)) }
        unexpected = actual.filter { !expectedSet.contains(ScalarKey($0)) }
    }

    /// Same keys, whatever their order.
    var sameSet: Bool {
        #if REGSPEC_FAULTS
        if HarnessFault.isActive(.keySetComparedAsSubset) { return missing.isEmpty }
        #endif
        return missing.isEmpty && unexpected.isEmpty
    }

    /// Same keys in the same order.
    var sameSequence: Bool { sameSet && ScalarKey.same(expected, actual) }

    /// What differs: missing and unexpected keys (a few of each, then a count), or the order.
    /// A named key with a look-alike on the other side (canonically equal, other scalars) is
    /// shown with escapes beside it; look-alikes are found through one canonical hash table.
    var difference: String {
        var parts: [String] = []
        let namedMissing = Array(missing.prefix(Self.namedPerList))
        let namedUnexpected = Array(unexpected.prefix(Self.namedPerList))
        if !missing.isEmpty {
            parts.append("missing " + Self.list(namedMissing, total: missing.count, lookAlikes: Self.spellings(actual, of: namedMissing)))
        }
        if !unexpected.isEmpty {
            parts.append("unexpected " + Self.list(namedUnexpected, total: unexpected.count, lookAlikes: Self.spellings(expected, of: namedUnexpected)))
        }
        if parts.isEmpty && !sameSequence {
            parts.append("in the order " + Self.list(Array(actual.prefix(Self.namedPerList)), total: actual.count, lookAlikes: [:]))
        }
        return parts.joined(separator: "; ")
    }

    /// For each of `names` that `keys` holds under other scalars, that other spelling.
    /// Swift's `String` hashes and compares by canonical equivalence, which is exactly "looks alike".
    private static func spellings(_ keys: [String], of names: [String]) -> [String: String] {
        var canonical: [String: String] = [:]
        for key in keys where canonical[key] == nil { canonical[key] = key }
        var found: [String: String] = [:]
        for name in names {
            if let other = canonical[name], !ScalarKey.same(other, name) { found[name] = other }
        }
        return found
    }

    /// A short list of keys for a message: `[a, b]`, or `no keys`.
    static func describe(_ keys: [String]) -> String {
        keys.isEmpty ? "no keys" : list(Array(keys.prefix(namedPerList)), total: keys.count, lookAlikes: [:])
    }

    /// A key an engine made arbitrarily long is cut for the message.
    private static func shortened(_ key: String) -> String {
        key.unicodeScalars.count <= 80 ? key : String(String.UnicodeScalarView(key.unicodeScalars.prefix(80))) + "…"
    }

    private static func list(_ named: [String], total: Int, lookAlikes: [String: String]) -> String {
        let quoted = named.map { name -> String in
            guard let other = lookAlikes[name] else { return ScalarKey.quoted(shortened(name)) }
            let pair = [name, other]
            return ScalarKey.quoted(name, among: pair) + " (other Unicode scalars than " + ScalarKey.quoted(other, among: pair) + ")"
        }
        let more = total > named.count ? " and \(total - named.count) more" : ""
        return "[" + quoted.joined(separator: ", ") + "]" + more
    }
}
