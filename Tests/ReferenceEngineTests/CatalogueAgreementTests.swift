import ReferenceEngine
import Testing
import TrainingClient
@testable import SpecHarness

/// The catalogue is declared once (SpecHarness, what `regspec validate` checks cases
/// against) and implemented here: the two must name the same fns.
@Suite("the reference implements exactly the declared catalogue")
struct CatalogueAgreementTests {
    @Test("every declared fn is implemented, and nothing else")
    func standardAgrees() {
        #expect(ReferenceCatalogue.standard.differences(from: .standard) == [])
        #expect(ReferenceCatalogue.standard.names == Catalogue.standard.names)
    }

    @Test("a missing implementation and an undeclared one are both reported")
    func disagreementIsReported() {
        let declared = Catalogue([CatalogueEntry(name: "sum", parameters: [:]), CatalogueEntry(name: "mean", parameters: [:])])
        let implemented = ReferenceCatalogue([
            CatalogueImplementation(name: "sum") { _ in LossOutput(loss: .init(scalar: 0)) },
            CatalogueImplementation(name: "extra") { _ in LossOutput(loss: .init(scalar: 0)) },
        ])
        #expect(implemented.differences(from: declared) == [
            "'mean' is declared but not implemented", "'extra' is implemented but not declared",
        ])
    }
}
