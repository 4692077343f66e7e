import Autodiff
import TrainingClient

extension Catalogue {
    /// Plain reductions of the logprobs: the simple regularizers people write.
    static let reductions: [CatalogueEntry] = [
        CatalogueEntry(name: "sum", parameters: [:]) { inputs in
            LossOutput(loss: try inputs.allLogprobs().sum())
        },
        CatalogueEntry(name: "mean", parameters: [:]) { inputs in
            LossOutput(loss: try inputs.allLogprobs().mean())
        },
        CatalogueEntry(name: "mean_of_means", parameters: [:]) { inputs in
            LossOutput(loss: try Tensor.stack(inputs.logprobs.map { $0.mean() }).mean())
        },
        CatalogueEntry(name: "sum_of_squares", parameters: [:]) { inputs in
            LossOutput(loss: try Tensor.sumOfSquares(of: inputs.logprobs))
        },
        CatalogueEntry(name: "variance", parameters: [:]) { inputs in
            LossOutput(loss: try Tensor.variance(of: inputs.logprobs))
        },
        // sqrt(-sum(lp)): a root-NLL penalty. At lp = 0 its gradient is infinite while its
        // value is 0, which is how cases reach `non_finite_gradient`.
        CatalogueEntry(name: "sqrt_neg_sum", parameters: [:]) { inputs in
            LossOutput(loss: (-(try inputs.allLogprobs().sum())).sqrt())
        },
        CatalogueEntry(name: "constant", parameters: ["value": .number]) { inputs in
            LossOutput(loss: Tensor(scalar: inputs.number("value", default: 1.0)))
        },
    ]
}
