import Foundation
import TrainingClient

extension SpecParser {
    static let expectKeys = ["metrics", "absent", "gradient", "requests", "tolerance", "error"]

    func parseExpectation(
        _ value: YAMLValue, data: [CaseDatum], inherited: ToleranceSettings
    ) throws(SpecDiagnostic) -> (Expectation, ToleranceSettings) {
        let reader = try MappingReader(value, what: "expect", allowed: Self.expectKeys)
        var tolerance = inherited
        if let toleranceValue = reader["tolerance"] {
            tolerance = try parseTolerance(toleranceValue, over: inherited)
        }
        let requests = try reader["requests"].map { v throws(SpecDiagnostic) in try parseRequests(v) }
        if let errorValue = reader["error"] {
            for key in ["metrics", "absent", "gradient"] where reader[key] != nil {
                throw SpecDiagnostic(
                    reader.location(of: key), "expect has both error and \(key)",
                    hint: "a case expects either an error or a result")
            }
            var expectation = try parseError(errorValue)
            expectation.requests = requests
            return (.failure(expectation), tolerance)
        }
        var expectation = SuccessExpectation(absent: [], requests: requests)
        if let metrics = reader["metrics"] {
            expectation.metrics = try parseExpectedMetric(metrics, path: "metrics")
        }
        if let absent = reader["absent"] {
            expectation.absent = try absent.strings("absent").map { $0.split(separator: ".").map(String.init) }
        }
        if let gradient = reader["gradient"] {
            expectation.gradient = try parseGradient(gradient, data: data)
        }
        if expectation.metrics == nil && expectation.gradient == nil && requests == nil && expectation.absent.isEmpty {
            throw SpecDiagnostic(
                value.location, "expect states nothing to check",
                hint: "give metrics, gradient, requests or absent, or an error")
        }
        return (.success(expectation), tolerance)
    }

    func parseTolerance(_ value: YAMLValue, over base: ToleranceSettings) throws(SpecDiagnostic) -> ToleranceSettings {
        let reader = try MappingReader(value, what: "tolerance", allowed: ["rtol", "atol", "equal_nan", "fields"])
        var settings = base
        settings.base = try parsePatch(reader).applied(to: base.base)
        if let fields = reader["fields"] {
            for pair in try MappingReader(fields, what: "tolerance.fields", allowed: nil).pairs {
                guard pair.key.hasPrefix("metrics") || pair.key.hasPrefix("gradient") else {
                    throw SpecDiagnostic(
                        pair.keyLocation, "tolerance field '\(pair.key)' names neither metrics nor gradient",
                        hint: "e.g. metrics.regularizers.kl.value or gradient")
                }
                let fieldReader = try MappingReader(pair.value, what: "tolerance for \(pair.key)", allowed: ["rtol", "atol", "equal_nan"])
                settings.fields[pair.key] = try parsePatch(fieldReader)
            }
        }
        return settings
    }

    private func parsePatch(_ reader: MappingReader) throws(SpecDiagnostic) -> TolerancePatch {
        func nonNegative(_ key: String) throws(SpecDiagnostic) -> Double? {
            guard let value = reader[key] else { return nil }
            let number = try value.number(key)
            guard number >= 0, number.isFinite else { throw SpecDiagnostic(value.location, "\(key) must be a finite number >= 0") }
            return number
        }
        return TolerancePatch(
            relative: try nonNegative("rtol"), absolute: try nonNegative("atol"),
            equalNaN: try reader["equal_nan"]?.bool("equal_nan"))
    }

    private func parseRequests(_ value: YAMLValue) throws(SpecDiagnostic) -> RequestCounts {
        let reader = try MappingReader(value, what: "requests", allowed: ["forward", "backward"])
        return RequestCounts(
            forward: try reader["forward"]?.integer("requests.forward"),
            backward: try reader["backward"]?.integer("requests.backward"))
    }

    private func parseError(_ value: YAMLValue) throws(SpecDiagnostic) -> ErrorExpectation {
        let reader = try MappingReader(value, what: "expect.error", allowed: ["kind", "message", "label"])
        var expectation = ErrorExpectation(location: value.location)
        if let kindValue = reader["kind"] {
            let kind = try kindValue.string("kind")
            let kinds = CustomLossErrorKind.allCases.map(\.rawValue)
            guard kinds.contains(kind) else {
                throw SpecDiagnostic(
                    kindValue.location, "unknown error kind '\(kind)'\(DidYouMean.phrase(for: kind, among: kinds))",
                    hint: "kinds: \(kinds.joined(separator: ", "))")
            }
            expectation.kind = kind
        }
        if let messageValue = reader["message"] {
            let pattern = try messageValue.string("message")
            do {
                _ = try NSRegularExpression(pattern: pattern)
            } catch {
                throw SpecDiagnostic(messageValue.location, "message is not a valid regular expression: \(pattern)")
            }
            expectation.messagePattern = pattern
        }
        expectation.label = try reader["label"]?.string("label")
        if expectation.kind == nil && expectation.messagePattern == nil {
            throw SpecDiagnostic(value.location, "expect.error gives neither kind nor message", hint: "add `kind:`")
        }
        return expectation
    }

    private func parseExpectedMetric(_ value: YAMLValue, path: String) throws(SpecDiagnostic) -> ExpectedMetric {
        switch value.content {
        case .integer(let number): return .number(Double(number), value.location)
        case .number(let number): return .number(number, value.location)
        case .mapping(let pairs):
            var children: [(key: String, value: ExpectedMetric)] = []
            for pair in pairs {
                children.append((pair.key, try parseExpectedMetric(pair.value, path: "\(path).\(pair.key)")))
            }
            return .object(children, value.location)
        case .bool:
            throw SpecDiagnostic(value.location, "\(path) is a boolean; metrics are reported as numbers", hint: "write 1.0 for true, 0.0 for false")
        default:
            throw value.mismatch(path, expected: "a number or a mapping")
        }
    }

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
