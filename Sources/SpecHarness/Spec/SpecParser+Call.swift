import OrderedCollections
import TrainingClient

extension SpecParser {
    static let callKeys = ["loss_fn", "regularizers", "options", "entry_point"]
    static let fnOptionKeys = ["name", "async", "delay_ms", "scale", "datums", "metrics"]

    func parseCall(_ value: YAMLValue, datumCount: Int, malformedAllowed: Bool) throws(SpecDiagnostic) -> CallSpec {
        let reader = try MappingReader(value, what: "call", allowed: Self.callKeys)
        var lossFn: FnSpec?
        if let lossValue = reader["loss_fn"], !lossValue.isNull {
            lossFn = try parseFn(lossValue, datumCount: datumCount)
        }
        var regularizers: [RegularizerEntrySpec] = []
        var names: Set<ScalarKey> = []  // Unicode scalars: two spellings are two names
        if let list = reader["regularizers"] {
            for (index, entry) in try list.sequence("regularizers").enumerated() {
                let parsed = try parseRegularizer(entry, datumCount: datumCount)
                if let problem = Self.problem(with: parsed, seenNames: names), !malformedAllowed {
                    throw SpecDiagnostic(
                        entry.location, "regularizers[\(index)] is malformed: \(problem)",
                        hint: "fix it, or, if it is malformed on purpose, expect `error: {kind: invalid_regularizer}`")
                }
                if let name = parsed.name { names.insert(ScalarKey(name)) }
                regularizers.append(parsed)
            }
        }
        var options = CallOptions()
        if let optionsValue = reader["options"] {
            let optionsReader = try MappingReader(
                optionsValue, what: "call.options", allowed: ["track_grad_norms", "timeout_ms", "max_concurrency"])
            options.trackGradNorms = try optionsReader["track_grad_norms"]?.bool("track_grad_norms") ?? false
            if let timeout = optionsReader["timeout_ms"] {
                let milliseconds = try timeout.number("timeout_ms")
                guard milliseconds > 0, Milliseconds.isValid(milliseconds, minimum: 0) else {
                    throw SpecDiagnostic(timeout.location, "timeout_ms must be a positive, finite number of milliseconds up to \(Int(Milliseconds.maximum))")
                }
                options.timeoutMilliseconds = milliseconds
            }
            if let limit = optionsReader["max_concurrency"] {
                let count = try limit.integer("max_concurrency")
                guard count >= 1 else { throw SpecDiagnostic(limit.location, "max_concurrency must be at least 1") }
                options.maxConcurrency = count
            }
        }
        var entryPoint = EntryPoint.call
        if let entryValue = reader["entry_point"] {
            guard let parsed = EntryPoint(rawValue: try entryValue.string("entry_point")) else {
                throw SpecDiagnostic(entryValue.location, "entry_point must be 'call' or 'future'")
            }
            entryPoint = parsed
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

    /// What `invalid_regularizer` would report for this entry, if anything.
    static func problem(with entry: RegularizerEntrySpec, seenNames: Set<ScalarKey>) -> String? {
        guard let name = entry.name, !name.isEmpty else { return "'name' is missing, empty or not a string" }
        if seenNames.contains(ScalarKey(name)) { return "the name '\(name)' is repeated" }
        guard case .value(let weight)? = entry.fields["weight"], let number = weight.doubleValue, number.isFinite else {
            return "'weight' is missing, not a number, NaN or infinite"
        }
        guard entry.fn != nil else { return "'fn' is missing or not a catalogue fn" }
        let allowed = ["name", "weight", "fn"]
        if let unknown = entry.fields.keys.first(where: { !allowed.contains($0) }) {
            return "unknown key '\(unknown)'\(DidYouMean.phrase(for: unknown, among: allowed))"
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

        let isAsync = try reader["async"]?.bool("async") ?? false
        var delay: Double?
        if let delayValue = reader["delay_ms"] {
            delay = try delayValue.number("delay_ms")
            guard isAsync else {
                throw SpecDiagnostic(delayValue.location, "delay_ms applies to async fns only", hint: "add `async: true`")
            }
            guard let delay, Milliseconds.isValid(delay, minimum: 0) else {
                throw SpecDiagnostic(delayValue.location, "delay_ms must be a finite number of milliseconds from 0 to \(Int(Milliseconds.maximum))")
            }
        }
        let scale = try reader["scale"]?.number("scale")
        var datums: [Int]?
        if let datumsValue = reader["datums"] {
            let selected = try datumsValue.integers("datums")
            if selected.isEmpty {
                throw SpecDiagnostic(datumsValue.location, "datums selects nothing", hint: "list at least one datum index")
            }
            if let bad = selected.first(where: { $0 < 0 || $0 >= datumCount }) {
                throw SpecDiagnostic(datumsValue.location, "datums selects datum \(bad) but the case has \(datumCount) datums (0..<\(datumCount))")
            }
            datums = selected
        }
        var metrics: ScalarKeyedDictionary<VerbatimMetric> = [:]
        if let metricsValue = reader["metrics"] {
            for pair in try MappingReader(metricsValue, what: "metrics", allowed: nil).pairs {
                metrics[pair.key] = try parseVerbatimMetric(pair.value, key: pair.key)
            }
        }
        var parameters: ScalarKeyedDictionary<JSONValue> = [:]
        for pair in reader.pairs {
            guard let kind = parameterKinds[pair.key] else { continue }
            try checkParameter(pair.value, kind: kind, key: pair.key, fn: name)
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
