/// Finds checks that cannot fail: an expected non-zero value whose allowed difference reaches
/// zero (`atol + rtol * |expected| >= |expected|`) passes an engine that reports 0, and one
/// whose allowed difference is infinite (`rtol * |expected|` overflows) passes any finite value.
///
/// The case still loads and runs; `validate` warns (`--strict` fails) so that its author sets
/// `atol` for such fields.
package enum SensitivityLint {
    /// Every such value of every case, in suite order; one warning per metric, one per gradient row.
    package static func warnings(for cases: [SpecCase]) -> [SpecDiagnostic] {
        cases.flatMap(warnings(for:))
    }

    package static func warnings(for specCase: SpecCase) -> [SpecDiagnostic] {
        guard case .success(let expected) = specCase.expectation else { return [] }
        var warnings: [SpecDiagnostic] = []
        if let metrics = expected.metrics {
            walk(metrics, FieldPath(["metrics"])) { path, value, location in
                let tolerance = specCase.tolerance.tolerance(for: path)
                if allowsAnything(value, tolerance) {
                    warnings.append(SpecDiagnostic.warning(
                        location,
                        "case '\(specCase.id)': \(path) expects \(value), but its allowed difference is infinite (\(tolerance)), so any finite result passes",
                        hint: "lower rtol for this field so that rtol * |expected| stays finite"))
                    return
                }
                guard cannotTellFromZero(value, tolerance) else { return }
                warnings.append(SpecDiagnostic.warning(
                    location,
                    "case '\(specCase.id)': \(path) expects \(value), but its allowed difference \(tolerance.allowance(for: value)) (\(tolerance)) reaches 0, so a result of 0 passes",
                    hint: hint(for: path, value: value)))
            }
        }
        let gradientPath = FieldPath(["gradient"])
        let tolerance = specCase.tolerance.tolerance(for: gradientPath)
        for (index, row) in (expected.gradient ?? []).enumerated() {
            if let unbounded = row.values.firstIndex(where: { allowsAnything($0, tolerance) }) {
                warnings.append(SpecDiagnostic.warning(
                    row.location,
                    "case '\(specCase.id)': gradient[\(index)] allows an infinite difference at index \(unbounded) (expected \(row.values[unbounded]), \(tolerance)), so any finite value passes there",
                    hint: "lower rtol for the gradient so that rtol * |expected| stays finite"))
            }
            let blind = row.values.enumerated().filter { cannotTellFromZero($0.element, tolerance) }
            guard let first = blind.first else { continue }
            warnings.append(SpecDiagnostic.warning(
                row.location,
                "case '\(specCase.id)': gradient[\(index)] has \(blind.count) expected non-zero value(s) within their allowed difference of 0 (first at index \(first.offset): \(first.element), allowed \(tolerance.allowance(for: first.element)), \(tolerance)), so a zero gradient passes",
                hint: hint(for: gradientPath, value: first.element)))
        }
        return warnings
    }

    /// Whether the allowed difference at a finite `value` is infinite: every finite result passes.
    static func allowsAnything(_ value: Double, _ tolerance: Tolerance) -> Bool {
        value.isFinite && !tolerance.allowance(for: value).isFinite
    }

    /// Whether 0 would be accepted where `value` is expected, for a finite non-zero `value`.
    static func cannotTellFromZero(_ value: Double, _ tolerance: Tolerance) -> Bool {
        value != 0 && value.isFinite && tolerance.allowance(for: value) >= abs(value)
    }

    private static func hint(for path: FieldPath, value: Double) -> String {
        "set atol for this field well below |expected|, e.g. tolerance: {fields: {\(path): {atol: \(yamlNumber(abs(value) / 1000))}}} (docs/spec-format.md, \"Checks that can fail\")"
    }

    /// `5.0e-15`, not `5e-15`, which YAML 1.1 readers take for a string.
    static func yamlNumber(_ value: Double) -> String {
        let text = "\(value)"
        guard let exponent = text.firstIndex(of: "e"), !text[..<exponent].contains(".") else { return text }
        return text[..<exponent] + ".0" + text[exponent...]
    }

    private static func walk(_ metric: ExpectedMetric, _ path: FieldPath, _ visit: (FieldPath, Double, SourceLocation) -> Void) {
        switch metric {
        case .number(let value, let location): visit(path, value, location)
        case .object(let children, _):
            for child in children { walk(child.value, path.appending(child.key), visit) }
        }
    }
}
