#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes generated cases as a spec file (docs/spec-format.md) that `regspec validate` loads and
/// the oracle can recheck: the data, the call, and the reference's observation as `expect`.
package struct SpecCaseWriter: Sendable {
    package init() {}

    /// One case to write: its id, what it is, the generated call and the reference's expectation.
    package struct Entry: Sendable {
        package var id: String
        package var summary: String
        package var comment: [String]
        package var generated: ExploreCase
        package var specCase: SpecCase

        package init(id: String, summary: String, comment: [String], generated: ExploreCase, specCase: SpecCase) {
            self.id = id
            self.summary = summary
            self.comment = comment
            self.generated = generated
            self.specCase = specCase
        }
    }

    /// The whole file: a header comment, the suite, then each case.
    package func file(suite: String, summary: String, header: [String], entries: [Entry]) -> String {
        var lines = header.map { $0.isEmpty ? "#" : "# \($0)" }
        lines.append("# yaml-language-server: $schema=../docs/schema/spec.schema.json")
        lines.append("suite: \(Self.string(suite))")
        lines.append("summary: \(Self.string(summary))")
        lines.append("cases:")
        for entry in entries { lines += caseLines(entry) }
        return lines.joined(separator: "\n") + "\n"
    }

    func caseLines(_ entry: Entry) -> [String] {
        var lines: [String] = []
        let generated = entry.generated
        lines.append("  - id: \(Self.string(entry.id))")
        lines.append("    summary: \(Self.string(entry.summary))")
        lines.append("    tags: [explore]")
        lines.append("    covers:")
        lines.append("      rules: [\(Self.rules(for: entry.specCase.expectation, call: generated.call).joined(separator: ", "))]")
        let requires = entry.specCase.declaredRequirements.filter(Capability.all.contains)
        if !requires.isEmpty { lines.append("    requires: [\(requires.listed)]") }
        lines += entry.comment.map { "    # \($0)" }
        if generated.datums.isEmpty {
            lines.append("    data: []")
        } else {
            lines.append("    data:")
            for datum in generated.datums { lines += datumLines(datum) }
        }
        lines.append("    call:")
        if let lossFn = generated.call.lossFn { lines.append("      loss_fn: \(Self.fn(lossFn))") }
        if !generated.call.regularizers.isEmpty {
            lines.append("      regularizers:")
            for entry in generated.call.regularizers {
                let fields = entry.fields.map { key, field -> String in
                    switch field {
                    case .fn(let fn): return "\(Self.key(key)): \(Self.fn(fn))"
                    case .value(let value): return "\(Self.key(key)): \(Self.json(value))"
                    }
                }
                lines.append("        - {\(fields.joined(separator: ", "))}")
            }
        } else if generated.call.lossFn == nil {
            lines.append("      regularizers: []")
        }
        let options = generated.call.options
        var optionFields: [String] = []
        if options.trackGradNorms { optionFields.append("track_grad_norms: true") }
        if let timeout = options.timeoutMilliseconds { optionFields.append("timeout_ms: \(Self.number(timeout))") }
        if let limit = options.maxConcurrency { optionFields.append("max_concurrency: \(limit)") }
        if !optionFields.isEmpty { lines.append("      options: {\(optionFields.joined(separator: ", "))}") }
        if generated.call.entryPoint != .call { lines.append("      entry_point: \(generated.call.entryPoint.rawValue)") }
        lines.append("    expect:")
        switch entry.specCase.expectation {
        case .failure(let error):
            var fields: [String] = []
            if let kind = error.kind { fields.append("kind: \(kind)") }
            if let pattern = error.messagePattern { fields.append("message: \(Self.string(pattern))") }
            if let label = error.label { fields.append("label: \(Self.string(label))") }
            lines.append("      error: {\(fields.joined(separator: ", "))}")
            if let requests = error.requests { lines.append("      requests: \(Self.requests(requests))") }
        case .success(let success):
            let tolerance = entry.specCase.tolerance
            var toleranceFields: [String] = []
            if tolerance.base.equalNaN { toleranceFields.append("equal_nan: true") }
            let sensitive = tolerance.fields.sorted { $0.key.description < $1.key.description }.compactMap { path, patch -> String? in
                let settings = [patch.relative.map { "rtol: \(Self.number($0))" }, patch.absolute.map { "atol: \(Self.number($0))" }].compactMap { $0 }
                return settings.isEmpty ? nil : "\(Self.string(path.description)): {\(settings.joined(separator: ", "))}"
            }
            if !sensitive.isEmpty { toleranceFields.append("fields: {\(sensitive.joined(separator: ", "))}") }
            if !toleranceFields.isEmpty { lines.append("      tolerance: {\(toleranceFields.joined(separator: ", "))}") }
            if let metrics = success.metrics, case .object(let children, _) = metrics, !children.isEmpty {
                lines.append("      metrics:")
                lines += metricLines(children, indent: 8)
            }
            if let gradient = success.gradient {
                lines.append("      gradient:")
                for row in gradient {
                    lines.append("        - \(Self.array(row.values, shape: row.shape, float32: true))")
                }
            }
            if let requests = success.requests { lines.append("      requests: \(Self.requests(requests))") }
        }
        return lines
    }

    func datumLines(_ datum: ExploreDatum) -> [String] {
        let shape = datum.targetShape
        var lines = ["      - tokens: \(Self.integers(datum.tokens))"]
        if let targets = datum.targets {
            lines.append("        targets: \(Self.array(targets.map(Double.init), shape: shape, float32: false, integers: true))")
        }
        if let weights = datum.weights {
            lines.append("        weights: \(Self.array(weights, shape: shape, float32: false))")
        }
        if let ref = datum.refLogprobs {
            lines.append("        inputs: {ref_logprobs: \(Self.array(ref, shape: shape, float32: false))}")
        }
        lines.append("        logprobs: \(datum.targets == nil ? "[]" : Self.array(datum.logprobs, shape: shape, float32: false))")
        return lines
    }

    func metricLines(_ children: [(key: String, value: ExpectedMetric)], indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for (key, value) in children {
            switch value {
            case .number(let number, _):
                lines.append("\(pad)\(Self.key(key)): \(Self.number(number))")
            case .object(let grandchildren, _):
                if grandchildren.isEmpty {
                    lines.append("\(pad)\(Self.key(key)): {}")
                } else {
                    lines.append("\(pad)\(Self.key(key)):")
                    lines += metricLines(grandchildren, indent: indent + 2)
                }
            }
        }
        return lines
    }

    /// Rule ids the case checks, for `covers:` (docs/coverage.md); a person shipping the case
    /// may name more.
    static func rules(for expectation: Expectation, call: CallSpec) -> [String] {
        switch expectation {
        case .success:
            return call.regularizers.isEmpty
                ? ["modes.legacy", "metrics.legacy-merge"]
                : ["modes.structured", "composition.loss-total", "gradient.composed"]
        case .failure(let error):
            let rule = [
                "missing_loss": "validation.missing-loss", "invalid_regularizer": "validation.order",
                "empty_data": "validation.empty-data", "missing_target_tokens": "validation.missing-target-tokens",
                "non_scalar_loss": "evaluation.non-scalar", "non_finite_loss": "evaluation.non-finite",
                "non_finite_gradient": "evaluation.non-finite", "invalid_metrics": "evaluation.invalid-metrics",
                "loss_fn_failed": "evaluation.fn-raises", "no_gradient": "gradient.legacy-no-gradient",
                "timeout": "options.timeout",
            ][error.kind ?? ""] ?? "result.atomicity"
            return [rule, "result.atomicity"]
        }
    }

    // MARK: - YAML scalars

    static func fn(_ fn: FnSpec) -> String {
        var fields = ["name: \(string(fn.name))"]
        if fn.isAsync { fields.append("async: true") }
        if let delay = fn.delayMilliseconds { fields.append("delay_ms: \(number(delay))") }
        if let scale = fn.scale { fields.append("scale: \(number(scale))") }
        if let datums = fn.datums { fields.append("datums: \(integers(datums))") }
        if !fn.metrics.isEmpty {
            let metrics = fn.metrics.map { key, metric -> String in
                switch metric {
                case .number(let value): return "\(Self.key(key)): \(number(value))"
                case .bool(let flag): return "\(Self.key(key)): \(flag)"
                case .ownLoss: return "\(Self.key(key)): \"$loss\""
                }
            }
            fields.append("metrics: {\(metrics.joined(separator: ", "))}")
        }
        for (key, value) in fn.parameters { fields.append("\(Self.key(key)): \(json(value))") }
        return fields.count == 1 ? string(fn.name) : "{\(fields.joined(separator: ", "))}"
    }

    static func json(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let integer): return String(integer)
        case .number(let double): return number(double)
        case .string(let text): return string(text)
        case .array(let items): return "[" + items.map(json).joined(separator: ", ") + "]"
        case .object(let object): return "{" + object.map { "\(key($0.key)): \(json($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    static func requests(_ counts: RequestCounts) -> String {
        "{forward: \(counts.forward ?? 0), backward: \(counts.backward ?? 0)}"
    }

    static func integers(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ", ") + "]"
    }

    /// A flat list, or rows of `shape[1]` for a `[T, K]` shape. Inputs are written exactly (the
    /// shortest decimal that reads back to the same double), so the file reproduces what ran;
    /// expected gradients, which the tolerance covers, by their shorter float32 spelling.
    static func array(_ values: [Double], shape: [Int], float32: Bool, integers: Bool = false) -> String {
        let format: (Double) -> String = { value in
            if integers, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
            return float32 ? float32Number(value) : number(value)
        }
        guard shape.count == 2, shape[1] > 0 else { return "[" + values.map(format).joined(separator: ", ") + "]" }
        let width = shape[1]
        let rows = stride(from: 0, to: values.count, by: width).map { start in
            "[" + values[start..<min(start + width, values.count)].map(format).joined(separator: ", ") + "]"
        }
        return "[" + rows.joined(separator: ", ") + "]"
    }

    /// A float32 value by its shortest float32 spelling, which reads back to the same float32.
    static func float32Number(_ value: Double) -> String {
        let single = Float(value)
        guard Double(single) == value, value.isFinite else { return number(value) }
        return yamlFloat(single.description)
    }

    /// A number as YAML 1.1 and 1.2 both read it: a dot in the mantissa, a signed exponent.
    static func number(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        return yamlFloat(value.description)
    }

    static func yamlFloat(_ text: String) -> String {
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return text.contains(".") ? text : text + ".0"
        }
        var mantissa = String(text[..<e])
        var exponent = String(text[text.index(after: e)...])
        if !mantissa.contains(".") { mantissa += ".0" }
        if !exponent.hasPrefix("-") && !exponent.hasPrefix("+") { exponent = "+" + exponent }
        return mantissa + "e" + exponent
    }

    static func key(_ text: String) -> String {
        string(text)
    }

    private static let yaml11Words: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]

    /// A plain scalar when it is a simple lowercase word, else double-quoted with escapes for
    /// anything invisible or combining, so names that look alike read differently.
    static func string(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        if plain, let first = text.unicodeScalars.first, ("a"..."z").contains(first) || first == "_", !yaml11Words.contains(text) {
            return text
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F {
                    out.unicodeScalars.append(scalar)
                } else if !scalar.isASCII && isVisible(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFFFF {
                    out += PrintfFormat.string("\\u%04X", scalar.value)
                } else {
                    out += PrintfFormat.string("\\U%08X", scalar.value)
                }
            }
        }
        return out + "\""
    }

    private static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .spacingMark, .format, .control, .unassigned, .privateUse, .surrogate,
            .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
