/// One named function that spec cases can use as a loss or regularizer: its signature, not
/// its implementation.
package struct CatalogueEntry: Sendable {
    package let name: String
    /// The entry's own parameters and their kinds; common options are not listed here.
    let parameters: [String: ParameterKind]
    /// What it needs of its selected datums; a case expecting success must meet them.
    let requirements: [DataRequirement]

    init(name: String, parameters: [String: ParameterKind], requirements: [DataRequirement] = []) {
        self.name = name
        self.parameters = parameters
        self.requirements = requirements
    }
}

/// The type a catalogue parameter takes, for `regspec validate`.
enum ParameterKind: Sendable, Equatable {
    case number
    case bool
    case string
    case choice([String])
}
