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
            name: "kl_to_reference", parameters: ["estimator": .choice(["k1", "k2", "k3"])], requirements: [.input("ref_logprobs")]),
        CatalogueEntry(
            name: "dpo", parameters: ["beta": .number], requirements: [.pairs, .input("ref_logprobs"), .optionalInput("weights")]),
        CatalogueEntry(
            name: "reverse_kl_topk", parameters: [:], requirements: [.multiTarget, .input("weights"), .positiveInput("weights")]),
    ]

    /// Deliberately broken fns, for the error cases.
    static let faults: [CatalogueEntry] = [
        CatalogueEntry(name: "raises", parameters: ["message": .string]),
        CatalogueEntry(name: "non_scalar", parameters: [:]),
        CatalogueEntry(name: "bad_metrics", parameters: ["type": .choice(["string", "list", "none", "tensor"])]),
    ]
}
