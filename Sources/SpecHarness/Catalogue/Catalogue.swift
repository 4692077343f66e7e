import TinkerWire

/// The named fns spec cases use (`docs/catalogue.md`): their names, parameters and data
/// requirements, what `regspec validate` checks a case against. Declarations only: every
/// engine implements them its own way (the Swift reference in `ReferenceEngine`, the Python
/// adapter in `adapters/python`).
public struct Catalogue: Sendable {
    private let entries: [String: CatalogueEntry]

    package init(_ entries: [CatalogueEntry]) {
        self.entries = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every entry of `docs/catalogue.md`.
    public static let standard = Catalogue(reductions + objectives + faults)

    public var names: [String] { entries.keys.sorted() }

    /// The entry's own parameters, or nil for an unknown name.
    func parameters(of name: String) -> [String: ParameterKind]? {
        entries[name]?.parameters
    }

    /// The keys of the `custom` map a fn reports: its entry's own metrics and the verbatim
    /// ones the case asks for (a verbatim key replaces an own key of the same name), or nil
    /// for an unknown name.
    func customKeys(of fn: FnSpec) -> [String]? {
        guard let entry = entries[fn.name] else { return nil }
        // Most fns return no verbatim metric: their own metrics are the whole map.
        guard !fn.metrics.isEmpty else { return entry.ownMetrics(fn.parameters) }
        let verbatim = fn.metrics.keys
        let verbatimSet = Set(verbatim.map { ScalarKey($0) })
        return entry.ownMetrics(fn.parameters).filter { !verbatimSet.contains(ScalarKey($0)) } + verbatim
    }

    /// The entry's data requirements, or nil for an unknown name.
    func requirements(of name: String) -> [DataRequirement]? {
        entries[name]?.requirements
    }
}
