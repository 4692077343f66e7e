/// Typed reads that fail with a diagnostic naming the value's place and the expected type.
extension YAMLValue {
    func string(_ what: String) throws(SpecDiagnostic) -> String {
        guard case .string(let text) = content else { throw mismatch(what, expected: "a string") }
        return text
    }

    func number(_ what: String) throws(SpecDiagnostic) -> Double {
        switch content {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        default: throw mismatch(what, expected: "a number")
        }
    }

    func integer(_ what: String) throws(SpecDiagnostic) -> Int {
        guard case .integer(let value) = content else { throw mismatch(what, expected: "an integer") }
        return value
    }

    func bool(_ what: String) throws(SpecDiagnostic) -> Bool {
        guard case .bool(let value) = content else { throw mismatch(what, expected: "true or false") }
        return value
    }

    func sequence(_ what: String) throws(SpecDiagnostic) -> [YAMLValue] {
        guard case .sequence(let items) = content else { throw mismatch(what, expected: "a list") }
        return items
    }

    func strings(_ what: String) throws(SpecDiagnostic) -> [String] {
        var result: [String] = []
        for item in try sequence(what) { result.append(try item.string("each item of \(what)")) }
        return result
    }

    func integers(_ what: String) throws(SpecDiagnostic) -> [Int] {
        var result: [Int] = []
        for item in try sequence(what) { result.append(try item.integer("each item of \(what)")) }
        return result
    }

    /// A flat or nested list of numbers, flattened row-major, with its shape.
    func numberArray(_ what: String) throws(SpecDiagnostic) -> (values: [Double], shape: [Int]) {
        switch content {
        case .number, .integer:
            throw mismatch(what, expected: "a list of numbers")
        case .sequence(let items):
            if items.isEmpty { return ([], [0]) }
            var values: [Double] = []
            var innerShape: [Int]?
            for item in items {
                if case .sequence = item.content {
                    let nested = try item.numberArray(what)
                    if let innerShape, innerShape != nested.shape {
                        throw SpecDiagnostic(
                            item.location, "\(what) is ragged: this row has shape \(nested.shape), an earlier one \(innerShape)",
                            hint: "every row of a nested list must have the same length")
                    }
                    innerShape = nested.shape
                    values += nested.values
                } else {
                    if innerShape != nil {
                        throw SpecDiagnostic(item.location, "\(what) mixes numbers and lists", hint: "use a list of numbers or a list of equal-length lists")
                    }
                    values.append(try item.number("each element of \(what)"))
                }
            }
            return (values, [items.count] + (innerShape ?? []))
        default:
            throw mismatch(what, expected: "a list of numbers")
        }
    }

    func mismatch(_ what: String, expected: String) -> SpecDiagnostic {
        SpecDiagnostic(location, "\(what) must be \(expected), not \(kindName)")
    }
}

/// Reads a mapping whose keys are a closed set, rejecting unknown keys with a suggestion.
struct MappingReader {
    let value: YAMLValue
    let pairs: [(key: String, keyLocation: SourceLocation, value: YAMLValue)]

    /// - Parameters:
    ///   - what: how messages name this mapping, e.g. "a case".
    ///   - allowed: the keys it may have; nil accepts any key.
    init(_ value: YAMLValue, what: String, allowed: [String]?) throws(SpecDiagnostic) {
        guard case .mapping(let pairs) = value.content else { throw value.mismatch(what, expected: "a mapping") }
        self.value = value
        self.pairs = pairs
        guard let allowed else { return }
        for pair in pairs where !allowed.contains(pair.key) {
            throw SpecDiagnostic(
                pair.keyLocation,
                "unknown key '\(pair.key)' in \(what)\(DidYouMean.phrase(for: pair.key, among: allowed))",
                hint: "allowed keys: \(allowed.joined(separator: ", "))")
        }
    }

    subscript(key: String) -> YAMLValue? {
        pairs.first { $0.key == key }?.value
    }

    func required(_ key: String, in what: String) throws(SpecDiagnostic) -> YAMLValue {
        guard let found = self[key] else {
            throw SpecDiagnostic(value.location, "\(what) has no '\(key)'", hint: "add `\(key):`")
        }
        return found
    }

    func location(of key: String) -> SourceLocation {
        pairs.first { $0.key == key }?.keyLocation ?? value.location
    }
}
