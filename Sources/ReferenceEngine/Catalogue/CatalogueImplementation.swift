import TrainingClient

/// The reference's implementation of one catalogue fn; its signature is `Catalogue`'s.
package struct CatalogueImplementation: Sendable {
    package let name: String
    let compute: @Sendable (CatalogueInputs) throws -> LossOutput

    package init(name: String, compute: @escaping @Sendable (CatalogueInputs) throws -> LossOutput) {
        self.name = name
        self.compute = compute
    }
}
