extension Catalogue {
    /// Why `data` cannot serve the fn `spec` (its entry's data requirements over its datum
    /// selection), or nil when it can or the fn is unknown (reported elsewhere).
    public func dataProblem(for spec: FnSpec, data: [CaseDatum]) -> String? {
        guard let requirements = requirements(of: spec.name) else { return nil }
        let selection = spec.datums ?? Array(data.indices)
        guard selection.allSatisfy(data.indices.contains) else { return nil }
        for requirement in requirements {
            if let problem = requirement.problem(data: data, selection: selection) { return problem }
        }
        return nil
    }
}
