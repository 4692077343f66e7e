#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TinkerWire

extension SpecParser {
    static let expectKeys = ["metrics", "absent", "gradient", "requests", "tolerance", "error", "telemetry"]

    /// The expectation; while a log collects, each part (tolerance, requests, error, metrics,
    /// absent, gradient) is read on its own, so a problem in one hides none in the others.
    func parseExpectation(
        _ value: YAMLValue, data: [CaseDatum], call: CallSpec?, inherited: ToleranceSettings
    ) throws(SpecDiagnostic) -> (Expectation, ToleranceSettings) {
        let reader = try MappingReader(value, what: "expect", allowed: Self.expectKeys)
        var tolerance = inherited
        tolerance.ownFields = []
        if let toleranceValue = reader["tolerance"] {
            tolerance = try collecting { () throws(SpecDiagnostic) in try parseTolerance(toleranceValue, over: tolerance) } ?? tolerance
        }
        let requests = try collecting { () throws(SpecDiagnostic) -> RequestCounts? in
            try reader["requests"].map { v throws(SpecDiagnostic) in try parseRequests(v) }
        } ?? nil
        let telemetry = try collecting { () throws(SpecDiagnostic) -> [ExpectedTelemetryEvent]? in
            try reader["telemetry"].map { v throws(SpecDiagnostic) in try parseExpectedTelemetry(v, call: call) }
        } ?? nil
        if let errorValue = reader["error"] {
            for key in ["metrics", "absent", "gradient"] where reader[key] != nil {
                try DiagnosticLog.reportOrThrow(SpecDiagnostic(
                    reader.location(of: key), "expect has both error and \(key)",
                    hint: "a case expects either an error or a result"))
            }
            var expectation = try parseError(errorValue)
            expectation.requests = requests
            expectation.telemetry = telemetry
            try checkToleranceFields(tolerance, compared: [])
            return (.failure(expectation), tolerance)
        }
        var expectation = SuccessExpectation(absent: [], requests: requests, telemetry: telemetry)
        if let metrics = reader["metrics"] {
            expectation.metrics = try collecting { () throws(SpecDiagnostic) in try parseExpectedMetric(metrics, keys: []) }
        }
        if let absent = reader["absent"] {
            expectation.absent = try collecting { () throws(SpecDiagnostic) in try parseAbsent(absent, call: call) } ?? []
        }
        if let gradient = reader["gradient"] {
            expectation.gradient = try collecting { () throws(SpecDiagnostic) in try parseGradient(gradient, data: data) }
        }
        let comparedRead = (reader["metrics"] == nil || expectation.metrics != nil) && (reader["gradient"] == nil || expectation.gradient != nil)
        if ["metrics", "absent", "gradient", "requests", "telemetry"].allSatisfy({ reader[$0] == nil }) {
            throw SpecDiagnostic(
                value.location, "expect states nothing to check",
                hint: "give metrics, gradient, requests, absent or telemetry, or an error")
        }
        // Which fields a tolerance applies to is known once the compared parts have read.
        if comparedRead {
            try checkToleranceFields(tolerance, compared: expectation.comparedFields.map(\.path))
        }
        return (.success(expectation), tolerance)
    }

    /// The settings over `base`; every problem in them is reported (while a log collects) and
    /// the settings that read are kept.
    func parseTolerance(_ value: YAMLValue, over base: ToleranceSettings) throws(SpecDiagnostic) -> ToleranceSettings {
        let reader = try MappingReader(value, what: "tolerance", allowed: ["rtol", "atol", "equal_nan", "fields"])
        var settings = base
        settings.base = try parsePatch(reader).applied(to: base.base)
        guard let fields = reader["fields"],
            let fieldsReader = try collecting({ () throws(SpecDiagnostic) in try MappingReader(fields, what: "tolerance.fields", allowed: nil) })
        else { return settings }
        for pair in fieldsReader.pairs {
            try collecting { () throws(SpecDiagnostic) in
                let path = try Self.fieldPath(pair.key, at: pair.keyLocation, what: "tolerance field")
                let roots = ["metrics", "gradient"]
                guard let root = path.keys.first, roots.contains(root), root == "metrics" || path.keys.count == 1 else {
                    let root = path.keys.first ?? ""
                    let suggestion = DidYouMean.phrase(for: root, among: roots)
                    // The settings under it are still read, so their problems are found in the same pass.
                    try DiagnosticLog.reportOrThrow(SpecDiagnostic(
                        pair.keyLocation,
                        "tolerance field '\(pair.key)' names neither a metric nor the gradient\(suggestion)",
                        hint: "a field is metrics.PATH (e.g. metrics.regularizers.kl.value) or gradient"))
                    _ = try parsePatch(try MappingReader(pair.value, what: "tolerance for \(pair.key)", allowed: ["rtol", "atol", "equal_nan"]))
                    return
                }
                let fieldReader = try MappingReader(pair.value, what: "tolerance for \(pair.key)", allowed: ["rtol", "atol", "equal_nan"])
                settings.fields[path] = try parsePatch(fieldReader)
                settings.fieldLocations[path] = pair.keyLocation
                settings.ownFields.insert(path)
            }
        }
        return settings
    }

    /// A dotted path from a spec file, or a diagnostic saying how to write it.
    static func fieldPath(_ text: String, at location: SourceLocation, what: String) throws(SpecDiagnostic) -> FieldPath {
        do {
            return try FieldPath(parsing: text)
        } catch {
            throw SpecDiagnostic(
                location, "\(what) '\(text)' does not read: \(error.description)",
                hint: "keys are joined with '.'; write a key holding a dot as 'kl\\.k3', or give absent paths as a list of keys")
        }
    }

    /// Each tolerance field the case sets must apply to a number it compares; a field that
    /// applies to nothing would silently leave the default tolerance in force.
    func checkToleranceFields(_ tolerance: ToleranceSettings, compared: [FieldPath]) throws(SpecDiagnostic) {
        let uncompared = tolerance.ownFields(applyingToNoneOf: compared).sorted { lhs, rhs in
            let left = tolerance.fieldLocations[lhs] ?? .start(of: file)
            let right = tolerance.fieldLocations[rhs] ?? .start(of: file)
            return (left.line, left.column) < (right.line, right.column)
        }
        for path in uncompared {
            let location = tolerance.fieldLocations[path] ?? .start(of: file)
            try DiagnosticLog.reportOrThrow(SpecDiagnostic(location, Self.uncomparedField(path, compared: compared), hint: Self.uncomparedHint))
        }
    }

    static let uncomparedHint =
        "a field path must name a number under expect.metrics, an object holding some, or gradient when expect gives one"

    static func uncomparedField(_ path: FieldPath, compared: [FieldPath]) -> String {
        var candidates: Set<String> = []
        for field in compared {
            for length in 1...field.keys.count { candidates.insert(FieldPath(Array(field.keys.prefix(length))).description) }
        }
        let suggestion = DidYouMean.phrase(for: path.description, among: candidates.sorted())
        return "tolerance field '\(path)' applies to nothing the case compares\(suggestion)"
    }

    /// A tolerance field in `defaults` must apply to something at least one case of the file compares.
    func uncomparedDefaultFields(_ tolerance: ToleranceSettings, compared: [FieldPath]) -> [SpecDiagnostic] {
        tolerance.ownFields(applyingToNoneOf: compared).map { path in
            SpecDiagnostic(
                tolerance.fieldLocations[path] ?? .start(of: file),
                "defaults: " + Self.uncomparedField(path, compared: compared) + " in any case of this file",
                hint: Self.uncomparedHint)
        }
    }

    /// Each `absent` item: a dotted path, or a list of keys (any key, dots included).
    private func parseAbsent(_ value: YAMLValue, call: CallSpec?) throws(SpecDiagnostic) -> [ExpectedAbsence] {
        var result: [ExpectedAbsence] = []
        for item in try value.sequence("absent") {
            let path: FieldPath
            switch item.content {
            case .string(let text):
                path = try Self.fieldPath(text, at: item.location, what: "absent path")
            case .sequence(let keys):
                var names: [String] = []
                for key in keys { names.append(try key.string("each key of an absent path")) }
                guard !names.isEmpty else {
                    throw SpecDiagnostic(item.location, "an absent path given as a list names no key", hint: "e.g. [regularizers, \"kl.k3\", custom]")
                }
                path = FieldPath(names)
            default:
                throw item.mismatch("each item of absent", expected: "a dotted path or a list of keys")
            }
            // Without a readable call (its problem is reported) the paths cannot be checked against it.
            if let call { try Self.checkAbsentPath(path, call: call, at: item.location) }
            result.append(ExpectedAbsence(path: path, location: item.location))
        }
        return result
    }

    /// An absent path must name a place the result could hold, so that its absence means
    /// something: only `regularizers` and `base_loss` hold objects, and a regularizer entry is
    /// named by a regularizer of the call.
    static func checkAbsentPath(_ path: FieldPath, call: CallSpec, at location: SourceLocation) throws(SpecDiagnostic) {
        let keys = path.keys
        func reject(_ why: String, _ hint: String = "") throws(SpecDiagnostic) -> Never {
            throw SpecDiagnostic(location, "absent path '\(path)' names nothing the result can hold: \(why)", hint: hint)
        }
        let entryKeys = regularizerEntryKeys
        let baseKeys = baseLossKeys
        let names = call.regularizers.compactMap(\.name)
        func checkEntry(_ rest: ArraySlice<String>, allowed: [String], owner: String) throws(SpecDiagnostic) {
            guard let key = rest.first else { return }
            guard allowed.contains(where: { FieldPath.sameKey($0, key) }) else {
                try reject("\(owner) has no key '\(key)'\(DidYouMean.phrase(for: key, among: allowed))", "its keys are \(allowed.joined(separator: ", "))")
            }
            if key == "custom" {
                if rest.count > 2 { try reject("custom metrics are numbers, so nothing lies below \(owner).custom.\(rest.dropFirst().first ?? "")") }
            } else if rest.count > 1 {
                try reject("\(owner).\(key) is a number, so nothing lies below it")
            }
        }
        switch keys.first {
        case "regularizers"? where keys.count > 1:
            let name = keys[1]
            guard names.contains(where: { FieldPath.sameKey($0, name) }) else {
                var hint = "the call's regularizers are \(names.isEmpty ? "none" : names.joined(separator: ", "))"
                for end in stride(from: keys.count, to: 2, by: -1) {
                    let joined = keys[1..<end].joined(separator: ".")
                    if names.contains(where: { FieldPath.sameKey($0, joined) }) {
                        let fixed = FieldPath(["regularizers", joined] + keys[end...])
                        hint = "'\(joined)' holds dots: write '\(fixed)' or a list of keys"
                        break
                    }
                }
                try reject("no regularizer of the call is named '\(name)'\(DidYouMean.phrase(for: name, among: names))", hint)
            }
            try checkEntry(keys.dropFirst(2), allowed: entryKeys, owner: "a regularizer entry")
        case "base_loss"? where keys.count > 1:
            guard call.lossFn != nil else { try reject("the call has no loss_fn, so base_loss never exists", "write absent: [base_loss]") }
            try checkEntry(keys.dropFirst(), allowed: baseKeys, owner: "base_loss")
        case let top? where keys.count > 1:
            try reject(
                "metrics hold numbers except regularizers and base_loss, so nothing lies below '\(top)'",
                "to name one metric whose name holds dots, escape them ('\(FieldPath([keys.joined(separator: ".")]))') or give a list of keys")
        default:
            return
        }
    }

    /// rtol, atol and equal_nan, each read on its own: a problem in one leaves it unset and is reported.
    private func parsePatch(_ reader: MappingReader) throws(SpecDiagnostic) -> TolerancePatch {
        func nonNegative(_ key: String) throws(SpecDiagnostic) -> Double? {
            guard let value = reader[key] else { return nil }
            return try collecting { () throws(SpecDiagnostic) -> Double in
                let number = try value.number(key)
                guard number >= 0, number.isFinite else { throw SpecDiagnostic(value.location, "\(key) must be a finite number >= 0, not \(number)") }
                return number
            }
        }
        let relative = try nonNegative("rtol")
        let absolute = try nonNegative("atol")
        let equalNaN = try collecting { () throws(SpecDiagnostic) -> Bool? in try reader["equal_nan"]?.bool("equal_nan") } ?? nil
        return TolerancePatch(relative: relative, absolute: absolute, equalNaN: equalNaN)
    }

    private func parseRequests(_ value: YAMLValue) throws(SpecDiagnostic) -> RequestCounts {
        let reader = try MappingReader(value, what: "requests", allowed: ["forward", "backward"])
        func count(_ key: String) throws(SpecDiagnostic) -> Int {
            let value = try reader.required(key, in: "requests")
            let number = try value.integer("requests.\(key)")
            guard number >= 0 else { throw SpecDiagnostic(value.location, "requests.\(key) must be a count, 0 or more") }
            return number
        }
        return RequestCounts(forward: try count("forward"), backward: try count("backward"))
    }

    private func parseError(_ value: YAMLValue) throws(SpecDiagnostic) -> ErrorExpectation {
        let reader = try MappingReader(value, what: "expect.error", allowed: ["kind", "message", "label"])
        var expectation = ErrorExpectation(location: value.location)
        var unread = false
        if let kindValue = reader["kind"] {
            expectation.kind = try collecting { () throws(SpecDiagnostic) -> String in
                let kind = try kindValue.string("kind")
                let kinds = CustomLossErrorKind.allCases.map(\.rawValue)
                guard kinds.contains(kind) else {
                    throw SpecDiagnostic(
                        kindValue.location, "unknown error kind '\(kind)'\(DidYouMean.phrase(for: kind, among: kinds))",
                        hint: "kinds: \(kinds.joined(separator: ", "))")
                }
                return kind
            }
            unread = unread || expectation.kind == nil
        }
        if let messageValue = reader["message"] {
            expectation.messagePattern = try collecting { () throws(SpecDiagnostic) -> String in
                let pattern = try messageValue.string("message")
                do {
                    _ = try BoundedRegex(pattern)
                } catch {
                    throw SpecDiagnostic(messageValue.location, "message is not a valid regular expression: \(pattern)", hint: "\(error)")
                }
                return pattern
            }
            unread = unread || expectation.messagePattern == nil
        }
        if let labelValue = reader["label"] {
            expectation.label = try collecting { () throws(SpecDiagnostic) in try labelValue.string("label") }
        }
        if expectation.kind == nil && expectation.messagePattern == nil && !unread {
            throw SpecDiagnostic(value.location, "expect.error gives neither kind nor message", hint: "add `kind:`")
        }
        return expectation
    }

    /// An expected metric at `keys` below `metrics`. The keys of a regularizer entry and of
    /// `base_loss` are a closed set (semantics section 7), so a misspelt one (`valeu`) is
    /// reported with a suggestion instead of failing every run.
    private func parseExpectedMetric(_ value: YAMLValue, keys: [String]) throws(SpecDiagnostic) -> ExpectedMetric {
        let path = (["metrics"] + keys).joined(separator: ".")
        switch value.content {
        case .integer(let number): return .number(Double(number), value.location)
        case .number(let number): return .number(number, value.location)
        case .mapping(let pairs):
            let closedKeys: [String]? =
                switch keys.count {
                case 1 where keys[0] == "base_loss": Self.baseLossKeys
                case 2 where keys[0] == "regularizers": Self.regularizerEntryKeys
                default: nil
                }
            if let closedKeys { _ = try MappingReader(value, what: path, allowed: closedKeys) }
            var children: [(key: String, value: ExpectedMetric)] = []
            for pair in pairs {
                if let child = try collecting({ () throws(SpecDiagnostic) in try parseExpectedMetric(pair.value, keys: keys + [pair.key]) }) {
                    children.append((pair.key, child))
                }
            }
            return .object(children, value.location)
        case .bool:
            throw SpecDiagnostic(value.location, "\(path) is a boolean; metrics are reported as numbers", hint: "write 1.0 for true, 0.0 for false")
        default:
            throw value.mismatch(path, expected: "a number or a mapping")
        }
    }

    /// The keys a regularizer entry of the metrics may hold, and those of `base_loss` (semantics section 7).
    static let regularizerEntryKeys = ["value", "weight", "contribution", "custom", "grad_norm", "grad_norm_weighted"]
    static let baseLossKeys = ["value", "custom", "grad_norm"]

    private func parseGradient(_ value: YAMLValue, data: [CaseDatum]) throws(SpecDiagnostic) -> [ExpectedArray] {
        let rows = try value.sequence("gradient")
        guard rows.count == data.count else {
            throw SpecDiagnostic(value.location, "gradient has \(rows.count) rows but the case has \(data.count) datums", hint: "give one row per datum")
        }
        var result: [ExpectedArray] = []
        for (index, row) in rows.enumerated() {
            let array = try numberArray(row, what: "gradient[\(index)]")
            let expected = data[index].logprobs.count
            guard array.values.count == expected else {
                throw SpecDiagnostic(row.location, "gradient[\(index)] has \(array.values.count) values but datum \(index) has \(expected) logprobs")
            }
            result.append(ExpectedArray(values: array.values, shape: array.shape, location: row.location))
        }
        return result
    }
}
