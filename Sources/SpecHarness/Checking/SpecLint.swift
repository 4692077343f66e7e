/// Everything legal in a spec that weakens or slows what a case checks: values a check cannot
/// tell from 0 (`SensitivityLint`) and message patterns whose matching can blow up
/// (`MessagePattern.lint`). `validate` prints them (`--strict` fails on them); `run` prints them.
package enum SpecLint {
    package static func warnings(for cases: [SpecCase]) -> [SpecDiagnostic] {
        cases.flatMap { SensitivityLint.warnings(for: $0) + patternWarnings(for: $0) }
    }

    static func patternWarnings(for specCase: SpecCase) -> [SpecDiagnostic] {
        guard case .failure(let expected) = specCase.expectation, let pattern = expected.messagePattern else { return [] }
        return MessagePattern.lint(pattern).map { finding in
            SpecDiagnostic.warning(
                expected.location, "case '\(specCase.id)': the message pattern /\(pattern)/: \(finding)",
                hint: "matching stops after \(MessagePattern.defaultBudget), and the case then fails")
        }
    }
}
