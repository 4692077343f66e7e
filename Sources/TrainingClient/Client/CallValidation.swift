import TinkerWire

/// The checks made before any backend request, in the order the semantics fix.
enum CallValidation {
    static let regularizerKeys: Set<String> = ["name", "weight", "fn"]

    /// Checks the whole call and returns the regularizers, typed.
    /// - Throws: `CustomLossError` for the first failing check: missing loss, each
    ///   regularizer in list order, empty data, then each datum's target tokens.
    static func validate(
        data: [Datum], lossFn: LossFunction?, regularizers: [RegularizerArguments]
    ) throws(CustomLossError) -> [Regularizer] {
        if lossFn == nil && regularizers.isEmpty { throw .missingLoss }
        // Compared as Unicode scalars: "café" and "cafe\u{301}" are two names, as in Python.
        var names: Set<ScalarKey> = []
        var typed: [Regularizer] = []
        for (index, entry) in regularizers.enumerated() {
            #if REGSPEC_FAULTS  // mutation tests only: the duplicate-name check as a validation fault makes it
            let regularizer = try validate(entry, index: index, seenNames: ReferenceFault.skipsDuplicateCheck ? [] : names)
            try ReferenceFault.checkDuplicateLate(regularizer.name, index: index, earlier: typed.map(\.name))
            #else
            let regularizer = try validate(entry, index: index, seenNames: names)
            #endif
            names.insert(ScalarKey(regularizer.name))
            typed.append(regularizer)
        }
        #if REGSPEC_FAULTS  // mutation tests only
        let checksData = !ReferenceFault.isActive(.emptyDataUnchecked), checksTargets = !ReferenceFault.isActive(.targetTokensUnchecked)
        #else
        let checksData = true, checksTargets = true
        #endif
        if data.isEmpty && checksData { throw .emptyData }
        for (index, datum) in data.enumerated() where datum.targetTokens == nil && checksTargets {
            throw .missingTargetTokens(datum: index)
        }
        return typed
    }

    /// The same checks for regularizers already typed, without writing each as a dictionary:
    /// of the dictionary's checks only an empty name, a name used before and a non-finite
    /// weight can fail for them, in that order and with the same errors.
    static func validate(
        data: [Datum], lossFn: LossFunction?, regularizers: [Regularizer]
    ) throws(CustomLossError) -> [Regularizer] {
        if lossFn == nil && regularizers.isEmpty { throw .missingLoss }
        for (index, regularizer) in regularizers.enumerated() {
            let name = regularizer.name
            if name.isEmpty { throw .invalidRegularizer(index: index, name: nil, problem: emptyNameProblem) }
            // A call's few names are compared pairwise, as Unicode scalars like the set does.
            if regularizers[..<index].contains(where: { ScalarKey($0.name) == ScalarKey(name) }) {
                throw .invalidRegularizer(index: index, name: name, problem: duplicateNameProblem(name))
            }
            guard regularizer.weight.isFinite else {
                throw .invalidRegularizer(index: index, name: name, problem: nonFiniteWeightProblem(regularizer.weight))
            }
        }
        if data.isEmpty { throw .emptyData }
        for (index, datum) in data.enumerated() where datum.targetTokens == nil {
            throw .missingTargetTokens(datum: index)
        }
        return regularizers
    }

    private static let emptyNameProblem = "'name' is empty; give each regularizer a unique non-empty string name"

    private static func duplicateNameProblem(_ name: String) -> String {
        "the name '\(name)' is used by an earlier regularizer; names key the metrics, so each must be unique"
    }

    private static func nonFiniteWeightProblem(_ weight: Double) -> String {
        "'weight' is \(weight); give a finite real number"
    }

    private static func validate(
        _ entry: RegularizerArguments, index: Int, seenNames: Set<ScalarKey>
    ) throws(CustomLossError) -> Regularizer {
        #if REGSPEC_FAULTS  // mutation tests only
        let (reportedIndex, checksEmptyName) = ReferenceFault.validationSettings(index: index)
        #else
        let (reportedIndex, checksEmptyName) = (index, true)
        #endif
        func fail(_ name: String?, _ problem: String) -> CustomLossError {
            .invalidRegularizer(index: reportedIndex, name: name, problem: problem)
        }
        let name: String
        switch entry.fields["name"] {
        case nil: throw fail(nil, "'name' is missing; give each regularizer a unique non-empty string name")
        case .string(let value)? where value.isEmpty && checksEmptyName:
            throw fail(nil, emptyNameProblem)
        case .string(let value)?: name = value
        case let other?: throw fail(nil, "'name' is \(other), not a string")
        }
        #if REGSPEC_FAULTS  // mutation tests only
        if let key = ReferenceFault.unknownKeyCheckedFirst(in: entry.fields.keys, known: regularizerKeys) { throw fail(name, "unknown key '\(key)'") }
        #endif
        if seenNames.contains(ScalarKey(name)) {
            throw fail(name, duplicateNameProblem(name))
        }
        let weight: Double
        switch entry.fields["weight"] {
        case nil: throw fail(name, "'weight' is missing; give a finite real number")
        case .number(let value)?: weight = value
        case .integer(let value)?: weight = Double(value)
        case let other?: throw fail(name, "'weight' is \(other), not a real number")
        }
        #if REGSPEC_FAULTS  // mutation tests only
        let checksFiniteWeight = !ReferenceFault.isActive(.nonFiniteWeightAccepted)
        #else
        let checksFiniteWeight = true
        #endif
        guard weight.isFinite || !checksFiniteWeight else { throw fail(name, nonFiniteWeightProblem(weight)) }
        let fn: LossFunction
        switch entry.fields["fn"] {
        case nil: throw fail(name, "'fn' is missing; give a function (data, logprobs) -> (loss, metrics)")
        case .function(let value)?: fn = value
        case let other?: throw fail(name, "'fn' is \(other), which is not callable")
        }
        // The usual entry has only known keys: checked without building the key list.
        if entry.fields.contains(where: { !regularizerKeys.contains($0.key) }) {
            let unknown = entry.fields.keys.filter { !regularizerKeys.contains($0) }
            let listed = unknown.map { "'\($0)'" }.joined(separator: ", ")
            throw fail(name, "unknown key \(listed); a regularizer has only 'name', 'weight' and 'fn'")
        }
        return Regularizer(name: name, weight: weight, fn: fn)
    }
}
