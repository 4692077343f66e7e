import TinkerWire

/// One named function that spec cases can use as a loss or regularizer: its signature, not
/// its implementation.
package struct CatalogueEntry: Sendable {
    package let name: String
    /// The entry's own parameters and their kinds; common options are not listed here.
    let parameters: [String: ParameterKind]
    /// What it needs of its selected datums; a case expecting success must meet them.
    let requirements: [DataRequirement]
    /// The metrics it reports of its own (docs/catalogue.md, "own metrics"), given its
    /// parameters: with the verbatim ones, exactly what its `custom` map holds.
    let ownMetrics: @Sendable (ScalarKeyedDictionary<JSONValue>) -> [String]

    init(
        name: String, parameters: [String: ParameterKind], requirements: [DataRequirement] = [],
        ownMetrics: @escaping @Sendable (ScalarKeyedDictionary<JSONValue>) -> [String] = { _ in [] }
    ) {
        self.name = name
        self.parameters = parameters
        self.requirements = requirements
        self.ownMetrics = ownMetrics
    }
}

/// The type a catalogue parameter takes, for `regspec validate`.
enum ParameterKind: Sendable, Equatable {
    case number
    case bool
    case string
    case choice([String])
}
