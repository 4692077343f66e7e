import Autodiff
import SpecHarness
import TinkerWire
import TrainingClient

extension ReferenceCatalogue {
    /// Deliberately broken fns, for the error cases.
    static let faults: [CatalogueImplementation] = [
        CatalogueImplementation(name: "raises") { inputs in
            throw CatalogueFnError(inputs.string("message", default: "regularizer failed"))
        },
        CatalogueImplementation(name: "non_scalar") { inputs in
            LossOutput(loss: try inputs.allLogprobs())
        },
        CatalogueImplementation(name: "bad_metrics") { inputs in
            let bad: CustomMetricValue
            switch inputs.string("type", default: "string") {
            case "list": bad = .list([1.0, 2.0])
            case "none": bad = .none
            case "tensor": bad = .tensor(Tensor([1.0, 2.0]))
            default: bad = .string("bad")
            }
            return LossOutput(loss: try inputs.allLogprobs().sum(), metrics: ["bad": bad])
        },
    ]
}
