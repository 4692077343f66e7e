extension Catalogue {
    /// Plain reductions of the logprobs: the simple regularizers people write.
    static let reductions: [CatalogueEntry] = [
        CatalogueEntry(name: "sum", parameters: [:]),
        CatalogueEntry(name: "mean", parameters: [:]),
        CatalogueEntry(name: "mean_of_means", parameters: [:]),
        CatalogueEntry(name: "sum_of_squares", parameters: [:]),
        CatalogueEntry(name: "variance", parameters: [:]),
        CatalogueEntry(name: "sqrt_neg_sum", parameters: [:]),
        CatalogueEntry(name: "constant", parameters: ["value": .number]),
    ]

    /// The losses real users write: NLL, KL to a reference, DPO, top-K reverse KL.
    static let objectives: [CatalogueEntry] = [
        CatalogueEntry(name: "weighted_nll", parameters: ["normalize": .bool], requirements: [.input("weights")]),
        CatalogueEntry(
            name: "kl_to_reference", parameters: ["estimator": .choice(["k1", "k2", "k3"])], requirements: [.input("ref_logprobs")],
            ownMetrics: { parameters in
                guard case .string(let estimator)? = parameters["estimator"] else { return ["kl/k3"] }
                return ["kl/" + estimator]
            }),
        CatalogueEntry(
            name: "dpo", parameters: ["beta": .number], requirements: [.pairs, .input("ref_logprobs"), .optionalInput("weights")],
            ownMetrics: { _ in ["dpo_loss", "accuracy", "margin", "chosen_reward", "rejected_reward"] }),
        CatalogueEntry(
            name: "reverse_kl_topk", parameters: [:], requirements: [.multiTarget, .input("weights"), .positiveInput("weights")],
            ownMetrics: { _ in ["sdft/reverse_kl_mean"] }),
    ]

    /// Deliberately broken fns, for the error cases.
    static let faults: [CatalogueEntry] = [
        CatalogueEntry(name: "raises", parameters: ["message": .string]),
        CatalogueEntry(name: "non_scalar", parameters: [:]),
        CatalogueEntry(name: "bad_metrics", parameters: ["type": .choice(["string", "list", "none", "tensor"])], ownMetrics: { _ in ["bad"] }),
    ]
}
