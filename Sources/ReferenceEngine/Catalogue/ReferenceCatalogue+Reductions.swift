import Autodiff
import SpecHarness
import TinkerWire
import TrainingClient

extension ReferenceCatalogue {
    /// Plain reductions of the logprobs: the simple regularizers people write.
    static let reductions: [CatalogueImplementation] = [
        CatalogueImplementation(name: "sum") { inputs in
            LossOutput(loss: try inputs.allLogprobs().sum())
        },
        CatalogueImplementation(name: "mean") { inputs in
            LossOutput(loss: try inputs.allLogprobs().mean())
        },
        CatalogueImplementation(name: "mean_of_means") { inputs in
            LossOutput(loss: try Tensor.stack(inputs.logprobs.map { $0.mean() }).mean())
        },
        CatalogueImplementation(name: "sum_of_squares") { inputs in
            LossOutput(loss: try Tensor.sumOfSquares(of: inputs.logprobs))
        },
        CatalogueImplementation(name: "variance") { inputs in
            LossOutput(loss: try Tensor.variance(of: inputs.logprobs))
        },
        // sqrt(-sum(lp)): a root-NLL penalty. At lp = 0 its gradient is infinite while its
        // value is 0, which is how cases reach `non_finite_gradient`.
        CatalogueImplementation(name: "sqrt_neg_sum") { inputs in
            LossOutput(loss: (-(try inputs.allLogprobs().sum())).sqrt())
        },
        CatalogueImplementation(name: "constant") { inputs in
            LossOutput(loss: Tensor(scalar: inputs.number("value", default: 1.0)))
        },
    ]
}
