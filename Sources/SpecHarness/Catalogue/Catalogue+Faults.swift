import Autodiff
import TrainingClient

extension Catalogue {
    /// Deliberately broken fns, for the error cases.
    static let faults: [CatalogueEntry] = [
        CatalogueEntry(name: "raises", parameters: ["message": .string]) { inputs in
            throw CatalogueFnError(inputs.string("message", default: "regularizer failed"))
        },
        CatalogueEntry(name: "non_scalar", parameters: [:]) { inputs in
            LossOutput(loss: try inputs.allLogprobs())
        },
        CatalogueEntry(name: "bad_metrics", parameters: ["type": .choice(["string", "list", "none", "tensor"])]) { inputs in
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
