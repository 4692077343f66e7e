import OrderedCollections
import TinkerWire

extension SpecParser {
    static let callKeys = ["loss_fn", "regularizers", "options", "entry_point"]
    static let fnOptionKeys = ["name", "async", "delay_ms", "scale", "datums", "metrics"]

    /// The call; while a log collects, each regularizer entry and each option is checked on its
    /// own, so a malformed entry hides nothing in its siblings.
    func parseCall(_ value: YAMLValue, datumCount: Int, malformedAllowed: Bool) throws(SpecDiagnostic) -> CallSpec {
        let reader = try MappingReader(value, what: "call", allowed: Self.callKeys)
        var lossFn: FnSpec?
        if let lossValue = reader["loss_fn"], !lossValue.isNull {
            lossFn = try collecting { () throws(SpecDiagnostic) in try parseFn(lossValue, datumCount: datumCount) }
        }
        var regularizers: [RegularizerEntrySpec] = []
        // `regularizers: null`, what a Python caller passes by default, means none, as `loss_fn: null` does.
        if let list = reader["regularizers"], !list.isNull,
            let items = try collecting({ () throws(SpecDiagnostic) in try list.sequence("regularizers") })
        {
            var firstIndexOfName: [ScalarKey: Int] = [:]  // Unicode scalars: two spellings are two names
            for (index, entry) in items.enumerated() {
                if !malformedAllowed, case .mapping(let pairs) = entry.content {
                    let (problems, name) = Self.entryProblems(pairs, at: entry.location, index: index, firstIndexOfName: firstIndexOfName)
                    for problem in problems { try DiagnosticLog.reportOrThrow(problem) }
                    if let name, firstIndexOfName[ScalarKey(name)] == nil { firstIndexOfName[ScalarKey(name)] = index }
                }
                if let parsed = try collecting({ () throws(SpecDiagnostic) in try parseRegularizer(entry, datumCount: datumCount) }) {
                    regularizers.append(parsed)
                }
            }
        }
        var options = CallOptions()
        if let optionsValue = reader["options"],
            let optionsReader = try collecting({ () throws(SpecDiagnostic) in
                try MappingReader(optionsValue, what: "call.options", allowed: ["track_grad_norms", "timeout_ms", "max_concurrency"])
            })
        {
            options.trackGradNorms = try collecting { () throws(SpecDiagnostic) -> Bool in
                try optionsReader["track_grad_norms"]?.bool("track_grad_norms") ?? false
            } ?? false
            if let timeout = optionsReader["timeout_ms"] {
                options.timeoutMilliseconds = try collecting { () throws(SpecDiagnostic) -> Double in
                    let milliseconds = try timeout.number("timeout_ms")
                    guard milliseconds > 0, Milliseconds.isValid(milliseconds, minimum: 0) else {
                        throw SpecDiagnostic(timeout.location, "timeout_ms must be a positive, finite number of milliseconds up to \(Int(Milliseconds.maximum))")
                    }
                    return milliseconds
                }
            }
            if let limit = optionsReader["max_concurrency"] {
                options.maxConcurrency = try collecting { () throws(SpecDiagnostic) -> Int in
                    let count = try limit.integer("max_concurrency")
                    guard count >= 1 else { throw SpecDiagnostic(limit.location, "max_concurrency must be at least 1") }
                    return count
                }
            }
        }
        var entryPoint = EntryPoint.call
        if let entryValue = reader["entry_point"] {
            entryPoint = try collecting { () throws(SpecDiagnostic) -> EntryPoint in
                guard let parsed = EntryPoint(rawValue: try entryValue.string("entry_point")) else {
                    throw SpecDiagnostic(entryValue.location, "entry_point must be 'call' or 'future'")
                }
                return parsed
            } ?? .call
        }
        return CallSpec(lossFn: lossFn, regularizers: regularizers, options: options, entryPoint: entryPoint)
    }

    private func parseRegularizer(_ value: YAMLValue, datumCount: Int) throws(SpecDiagnostic) -> RegularizerEntrySpec {
        let reader = try MappingReader(value, what: "a regularizer", allowed: nil)
        var fields: ScalarKeyedDictionary<RegularizerEntrySpec.Field> = [:]
        for pair in reader.pairs {
            switch (pair.key, pair.value.content) {
            case ("fn", .string), ("fn", .mapping):
                fields[pair.key] = .fn(try parseFn(pair.value, datumCount: datumCount))
            default:
                fields[pair.key] = .value(pair.value.json)
            }
        }
        return RegularizerEntrySpec(fields: fields, location: value.location)
    }

    static let regularizerKeys = ["name", "weight", "fn"]
    static let malformedHint = "fix it, or, if it is malformed on purpose, expect `error: {kind: invalid_regularizer}`"

    /// Every way the entry at `index` is malformed (semantics section 2), each at its place, and
    /// its name when it has a usable one. A misspelt key (`wieght`) is reported with a suggestion
    /// and its value stands in for the key it was taken for, so one typo gives one problem.
    /// The `fn`'s own contents are checked where it is parsed.
    static func entryProblems(
        _ pairs: [(key: String, keyLocation: SourceLocation, value: YAMLValue)], at location: SourceLocation, index: Int,
        firstIndexOfName: [ScalarKey: Int]
    ) -> (problems: [SpecDiagnostic], name: String?) {
        var problems: [SpecDiagnostic] = []
        func problem(_ place: SourceLocation, _ what: String) {
            problems.append(SpecDiagnostic(place, "regularizers[\(index)] is malformed: \(what)", hint: malformedHint))
        }
        func isKey(_ pair: (key: String, keyLocation: SourceLocation, value: YAMLValue), _ key: String) -> Bool {
            pair.key.unicodeScalars.elementsEqual(key.unicodeScalars)
        }
        var standIns: [String: YAMLValue] = [:]
        for pair in pairs where !regularizerKeys.contains(where: { isKey(pair, $0) }) {
            let suggestion = DidYouMean.suggestion(for: pair.key, among: regularizerKeys)
            problem(pair.keyLocation, "unknown key \(UserText.quoted(pair.key))\(suggestion.map { " (did you mean '\($0)'?)" } ?? "")")
            if let suggestion, !pairs.contains(where: { isKey($0, suggestion) }), standIns[suggestion] == nil {
                standIns[suggestion] = pair.value
            }
        }
        func field(_ key: String) -> YAMLValue? { pairs.first { isKey($0, key) }?.value ?? standIns[key] }

        var usableName: String?
        if let nameValue = field("name") {
            switch nameValue.content {
            case .string(let name) where name.isEmpty:
                problem(nameValue.location, "'name' is empty")
            case .string(let name):
                if let first = firstIndexOfName[ScalarKey(name)] {
                    problem(nameValue.location, "the name \(UserText.quoted(name)) is repeated (regularizers[\(first)] has it)")
                } else {
                    usableName = name
                }
            default:
                problem(nameValue.location, "'name' is not a string but \(nameValue.kindName)")
            }
        } else {
            problem(location, "'name' is missing")
        }
        if let weight = field("weight") {
            if let why = weightProblem(weight) { problem(weight.location, why) }
        } else {
            problem(location, "'weight' is missing")
        }
        if let fn = field("fn") {
            switch fn.content {
            case .string, .mapping: break
            default: problem(fn.location, "'fn' is not a catalogue fn (a name, or a mapping with one) but \(fn.kindName)")
            }
        } else {
            problem(location, "'fn' is missing")
        }
        return (problems, usableName)
    }

    /// Why a weight is not a real number, saying which way: not a number (a bool is not), NaN or infinite.
    static func weightProblem(_ weight: YAMLValue) -> String? {
        switch weight.content {
        case .integer: return nil
        case .number(let number) where number.isNaN: return "'weight' is NaN"
        case .number(let number) where number.isInfinite: return "'weight' is infinite (\(number < 0 ? "-" : "")inf)"
        case .number: return nil
        case .bool: return "'weight' is a boolean, not a number"
        default: return "'weight' is not a number but \(weight.kindName)"
        }
    }

    /// What `invalid_regularizer` would report for this entry, if anything: the first problem, in
    /// the order of semantics section 2, saying which way the value is wrong.
    static func problem(with entry: RegularizerEntrySpec, seenNames: Set<ScalarKey>) -> String? {
        guard case .value(let nameValue)? = entry.fields["name"] else { return entry.fields["name"] == nil ? "'name' is missing" : "'name' is not a string" }
        guard case .string(let name) = nameValue else { return "'name' is not a string" }
        if name.isEmpty { return "'name' is empty" }
        if seenNames.contains(ScalarKey(name)) { return "the name '\(name)' is repeated" }
        guard case .value(let weight)? = entry.fields["weight"] else { return "'weight' is missing" }
        switch weight {
        case .integer: break
        case .number(let number) where number.isNaN: return "'weight' is NaN"
        case .number(let number) where number.isInfinite: return "'weight' is infinite"
        case .number: break
        default: return "'weight' is not a number"
        }
        guard entry.fn != nil else { return entry.fields["fn"] == nil ? "'fn' is missing" : "'fn' is not a catalogue fn" }
        if let unknown = entry.fields.keys.first(where: { !regularizerKeys.contains($0) }) {
            return "unknown key '\(unknown)'\(DidYouMean.phrase(for: unknown, among: regularizerKeys))"
        }
        return nil
    }

    /// A catalogue reference: a name, or a mapping with `name`, the common options and the entry's parameters.
    func parseFn(_ value: YAMLValue, datumCount: Int) throws(SpecDiagnostic) -> FnSpec {
        if case .string(let name) = value.content {
            try checkCatalogueName(name, at: value.location)
            return FnSpec(
                name: name, isAsync: false, delayMilliseconds: nil, scale: nil, datums: nil, metrics: [:],
                parameters: [:], location: value.location)
        }
        let loose = try MappingReader(value, what: "a fn", allowed: nil)
        let nameValue = try loose.required("name", in: "a fn")
        let name = try nameValue.string("the fn's name")
        try checkCatalogueName(name, at: nameValue.location)
        let parameterKinds = catalogue.parameters(of: name) ?? [:]
        let reader = try MappingReader(value, what: "the fn '\(name)'", allowed: Self.fnOptionKeys + parameterKinds.keys.sorted())

        // Each option and parameter is checked on its own, so one problem hides none of the others.
        let isAsync = try collecting { () throws(SpecDiagnostic) -> Bool in try reader["async"]?.bool("async") ?? false } ?? false
        var delay: Double?
        if let delayValue = reader["delay_ms"] {
            delay = try collecting { () throws(SpecDiagnostic) -> Double in
                let delay = try delayValue.number("delay_ms")
                guard isAsync else {
                    throw SpecDiagnostic(delayValue.location, "delay_ms applies to async fns only", hint: "add `async: true`")
                }
                guard Milliseconds.isValid(delay, minimum: 0) else {
                    throw SpecDiagnostic(delayValue.location, "delay_ms must be a finite number of milliseconds from 0 to \(Int(Milliseconds.maximum))")
                }
                return delay
            }
        }
        let scale = try collecting { () throws(SpecDiagnostic) -> Double? in try reader["scale"]?.number("scale") } ?? nil
        var datums: [Int]?
        if let datumsValue = reader["datums"] {
            datums = try collecting { () throws(SpecDiagnostic) -> [Int] in
                let selected = try datumsValue.integers("datums")
                if selected.isEmpty {
                    throw SpecDiagnostic(datumsValue.location, "datums selects nothing", hint: "list at least one datum index")
                }
                if let bad = selected.first(where: { $0 < 0 || $0 >= datumCount }) {
                    throw SpecDiagnostic(datumsValue.location, "datums selects datum \(bad) but the case has \(datumCount) datums (0..<\(datumCount))")
                }
                return selected
            }
        }
        var metrics: ScalarKeyedDictionary<VerbatimMetric> = [:]
        if let metricsValue = reader["metrics"],
            let metricsReader = try collecting({ () throws(SpecDiagnostic) in try MappingReader(metricsValue, what: "metrics", allowed: nil) })
        {
            for pair in metricsReader.pairs {
                metrics[pair.key] = try collecting { () throws(SpecDiagnostic) in try parseVerbatimMetric(pair.value, key: pair.key) }
            }
        }
        var parameters: ScalarKeyedDictionary<JSONValue> = [:]
        for pair in reader.pairs {
            guard let kind = parameterKinds[pair.key] else { continue }
            try collecting { () throws(SpecDiagnostic) in try checkParameter(pair.value, kind: kind, key: pair.key, fn: name) }
            parameters[pair.key] = pair.value.json
        }
        return FnSpec(
            name: name, isAsync: isAsync, delayMilliseconds: delay, scale: scale, datums: datums, metrics: metrics,
            parameters: parameters, location: value.location)
    }

    private func checkCatalogueName(_ name: String, at location: SourceLocation) throws(SpecDiagnostic) {
        guard catalogue.parameters(of: name) == nil else { return }
        throw SpecDiagnostic(
            location, "unknown catalogue fn '\(name)'\(DidYouMean.phrase(for: name, among: catalogue.names))",
            hint: "the catalogue is listed in docs/catalogue.md")
    }

    private func parseVerbatimMetric(_ value: YAMLValue, key: String) throws(SpecDiagnostic) -> VerbatimMetric {
        switch value.content {
        case .integer(let number): return .number(Double(number))
        case .number(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .string("$loss"): return .ownLoss
        default:
            throw SpecDiagnostic(
                value.location, "metric '\(key)' must be a number, a boolean or \"$loss\", not \(value.kindName)",
                hint: "for a deliberately bad metric use the catalogue fn bad_metrics")
        }
    }

    private func checkParameter(_ value: YAMLValue, kind: ParameterKind, key: String, fn: String) throws(SpecDiagnostic) {
        switch kind {
        case .number: _ = try value.number("\(fn).\(key)")
        case .bool: _ = try value.bool("\(fn).\(key)")
        case .string: _ = try value.string("\(fn).\(key)")
        case .choice(let choices):
            let text = try value.string("\(fn).\(key)")
            guard choices.contains(text) else {
                throw SpecDiagnostic(
                    value.location, "\(fn).\(key) is '\(text)'\(DidYouMean.phrase(for: text, among: choices))",
                    hint: "one of: \(choices.joined(separator: ", "))")
            }
        }
    }
}

extension YAMLValue {
    var isNull: Bool {
        if case .null = content { return true }
        return false
    }
}
