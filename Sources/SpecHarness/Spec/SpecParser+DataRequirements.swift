extension SpecParser {
    /// A case that expects success must give each fn the data it reads (`docs/catalogue.md`);
    /// otherwise the fn fails at run time and the case could never pass. A case that expects
    /// that failure (`loss_fn_failed`) is not checked here.
    /// - Throws: a diagnostic at the fn that cannot run, saying which datum lacks what.
    func checkDataServes(_ call: CallSpec, data: [CaseDatum]) throws(SpecDiagnostic) {
        for fn in call.allFns {
            guard let problem = catalogue.dataProblem(for: fn, data: data) else { continue }
            throw SpecDiagnostic(
                fn.location, "the fn '\(fn.name)' cannot run on this case's data: \(problem)",
                hint: "fix the data, or, if that failure is the point, expect `error: {kind: loss_fn_failed}`")
        }
    }
}
