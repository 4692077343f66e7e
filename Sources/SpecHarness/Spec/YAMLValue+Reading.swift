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
        switch content {
        case .sequence(let items): return items
        case .numbers(let list): return list.items
        default: throw mismatch(what, expected: "a list")
        }
    }

    func strings(_ what: String) throws(SpecDiagnostic) -> [String] {
        var result: [String] = []
        for item in try sequence(what) { result.append(try item.string("each item of \(what)")) }
        return result
    }

    func integers(_ what: String) throws(SpecDiagnostic) -> [Int] {
        if case .numbers(let list) = content {
            var result: [Int] = []
            result.reserveCapacity(list.count)
            for index in 0..<list.count {
                guard list.isInteger(at: index) else { throw list.item(at: index).mismatch("each item of \(what)", expected: "an integer") }
                result.append(Int(list.value(at: index)))
            }
            return result
        }
        var result: [Int] = []
        for item in try sequence(what) { result.append(try item.integer("each item of \(what)")) }
        return result
    }

    /// A flat or nested list of numbers, flattened row-major, with its shape.
    func numberArray(_ what: String) throws(SpecDiagnostic) -> (values: [Double], shape: [Int]) {
        switch content {
        case .number, .integer:
            throw mismatch(what, expected: "a list of numbers")
        case .numbers(let list):
            return (list.values, [list.count])
        case .sequence(let items):
            if items.isEmpty { return ([], [0]) }
            var values: [Double] = []
            var innerShape: [Int]?
            for item in items {
                if item.isList {
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

    var isList: Bool {
        switch content {
        case .sequence, .numbers: return true
        default: return false
        }
    }

    func mismatch(_ what: String, expected: String) -> SpecDiagnostic {
        SpecDiagnostic(location, "\(what) must be \(expected), not \(kindName)")
    }
}

/// Reads a mapping whose keys are a closed set, rejecting unknown keys with a suggestion.
///
/// While a `DiagnosticLog` collects, an unknown key is reported and parsing goes on, as a
/// compiler does after a typo: a key that is absent but suggested for a misspelt one
/// (`sumary` for `summary`) reads the misspelt key's value, so one typo gives one diagnostic
/// and the problems inside its value are still found.
struct MappingReader {
    let value: YAMLValue
    let pairs: [(key: String, keyLocation: SourceLocation, value: YAMLValue)]
    /// Misspelt keys by the allowed key they were taken for.
    private var corrections: [String: (key: String, keyLocation: SourceLocation, value: YAMLValue)] = [:]

    /// - Parameters:
    ///   - what: how messages name this mapping, e.g. "a case".
    ///   - allowed: the keys it may have; nil accepts any key.
    /// - Throws: a value that is not a mapping; an unknown key when no log collects.
    init(_ value: YAMLValue, what: String, allowed: [String]?) throws(SpecDiagnostic) {
        guard case .mapping(let pairs) = value.content else { throw value.mismatch(what, expected: "a mapping") }
        self.value = value
        self.pairs = pairs
        guard let allowed else { return }
        for pair in pairs where !allowed.contains(where: { $0.unicodeScalars.elementsEqual(pair.key.unicodeScalars) }) {
            let suggestion = DidYouMean.suggestion(for: pair.key, among: allowed)
            try DiagnosticLog.reportOrThrow(SpecDiagnostic(
                pair.keyLocation,
                "unknown key \(UserText.quoted(pair.key)) in \(what)\(suggestion.map { " (did you mean '\($0)'?)" } ?? "")",
                hint: "allowed keys: \(allowed.joined(separator: ", "))"))
            if let suggestion, corrections[suggestion] == nil { corrections[suggestion] = pair }
        }
    }

    /// The value of `key`, compared by Unicode scalars; for an absent key, the value of a misspelling already reported.
    subscript(key: String) -> YAMLValue? {
        pairs.first { $0.key.unicodeScalars.elementsEqual(key.unicodeScalars) }?.value ?? corrections[key]?.value
    }

    func required(_ key: String, in what: String) throws(SpecDiagnostic) -> YAMLValue {
        guard let found = self[key] else {
            throw SpecDiagnostic(value.location, "\(what) has no '\(key)'", hint: "add `\(key):`")
        }
        return found
    }

    func location(of key: String) -> SourceLocation {
        pairs.first { $0.key.unicodeScalars.elementsEqual(key.unicodeScalars) }?.keyLocation
            ?? corrections[key]?.keyLocation ?? value.location
    }
}
