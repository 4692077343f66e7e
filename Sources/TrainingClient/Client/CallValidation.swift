/// The checks made before any backend request, in the order the semantics fix.
enum CallValidation {
    static let regularizerKeys: Set<String> = ["name", "weight", "fn"]

    /// Checks the whole call and returns the regularizers, typed.
    /// - Throws: `CustomLossError` for the first failing check: missing loss, each
    ///   regularizer in list order, empty data, then each datum's target tokens.
    static func validate(
        data: [Datum], lossFn: LossFunction?, regularizers: [RegularizerArguments]
    ) throws(CustomLossError) -> [Regularizer] {
        if ReferenceFault.isActive(.missingLossCheckedAfterData) && data.isEmpty { throw .emptyData }
        if lossFn == nil && regularizers.isEmpty { throw .missingLoss }
        // Compared as Unicode scalars: "café" and "cafe\u{301}" are two names, as in Python.
        var names: Set<ScalarKey> = []
        var typed: [Regularizer] = []
        for (index, entry) in regularizers.enumerated() {
            let regularizer = try validate(entry, index: index, seenNames: ReferenceFault.skipsDuplicateCheck ? [] : names)
            try ReferenceFault.checkDuplicateLate(regularizer.name, index: index, earlier: typed.map(\.name))
            names.insert(ScalarKey(regularizer.name))
            typed.append(regularizer)
        }
        if data.isEmpty && !ReferenceFault.isActive(.emptyDataUnchecked) { throw .emptyData }
        for (index, datum) in data.enumerated() where datum.targetTokens == nil && !ReferenceFault.isActive(.targetTokensUnchecked) {
            throw .missingTargetTokens(datum: index)
        }
        return typed
    }

    private static func validate(
        _ entry: RegularizerArguments, index: Int, seenNames: Set<ScalarKey>
    ) throws(CustomLossError) -> Regularizer {
        func fail(_ name: String?, _ problem: String) -> CustomLossError {
            .invalidRegularizer(index: index + (ReferenceFault.isActive(.regularizerIndexOffByOne) ? 1 : 0), name: name, problem: problem)
        }
        let name: String
        switch entry.fields["name"] {
        case nil: throw fail(nil, "'name' is missing; give each regularizer a unique non-empty string name")
        case .string(let value)? where value.isEmpty && !ReferenceFault.isActive(.emptyNameAccepted):
            throw fail(nil, "'name' is empty; give each regularizer a unique non-empty string name")
        case .string(let value)?: name = value
        case let other?: throw fail(nil, "'name' is \(other), not a string")
        }
        if ReferenceFault.isActive(.unknownKeysCheckedFirst), let key = entry.fields.keys.first(where: { !regularizerKeys.contains($0) }) { throw fail(name, "unknown key '\(key)'") }
        if seenNames.contains(ScalarKey(name)) {
            throw fail(name, "the name '\(name)' is used by an earlier regularizer; names key the metrics, so each must be unique")
        }
        let weight: Double
        switch entry.fields["weight"] {
        case nil: throw fail(name, "'weight' is missing; give a finite real number")
        case .number(let value)?: weight = value
        case .integer(let value)?: weight = Double(value)
        case .bool(let flag)? where ReferenceFault.isActive(.boolWeightAccepted): weight = flag ? 1 : 0
        case let other?: throw fail(name, "'weight' is \(other), not a real number")
        }
        guard weight.isFinite || ReferenceFault.isActive(.nonFiniteWeightAccepted) else { throw fail(name, "'weight' is \(weight); give a finite real number") }
        let fn: LossFunction
        switch entry.fields["fn"] {
        case nil: throw fail(name, "'fn' is missing; give a function (data, logprobs) -> (loss, metrics)")
        case .function(let value)?: fn = value
        case let other?: throw fail(name, "'fn' is \(other), which is not callable")
        }
        let unknown = entry.fields.keys.filter { !regularizerKeys.contains($0) }
        if !unknown.isEmpty && !ReferenceFault.isActive(.unknownKeysAccepted) {
            let listed = unknown.map { "'\($0)'" }.joined(separator: ", ")
            throw fail(name, "unknown key \(listed); a regularizer has only 'name', 'weight' and 'fn'")
        }
        return Regularizer(name: name, weight: weight, fn: fn)
    }
}
