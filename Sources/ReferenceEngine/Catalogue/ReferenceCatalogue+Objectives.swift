import Autodiff
import SpecHarness
import TinkerWire
import TrainingClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's `exp`, by name no declaration here shadows.
@inline(__always) private func libcExp(_ x: Double) -> Double { exp(x) }

extension ReferenceCatalogue {
    /// The losses real users write: NLL, KL to a reference, DPO, top-K reverse KL.
    static let objectives: [CatalogueImplementation] = [
        CatalogueImplementation(name: "weighted_nll") { inputs in
            var weightSum = 0.0
            let normalize = inputs.bool("normalize", default: false)
            let weights = try inputs.logprobs.indices.map { try inputs.input("weights", of: $0) }
            if normalize {
                for datumWeights in weights { weightSum += datumWeights.values.reduce(0, +) }
            }
            // 0 - lp_0 . w_0 - lp_1 . w_1 - ..., one node for the batch rather than two per datum.
            let total = try Tensor.negatedSumOfDots(of: inputs.logprobs, with: weights)
            return LossOutput(loss: normalize ? total / weightSum : total)
        },
        CatalogueImplementation(name: "kl_to_reference") { inputs in
            let references = try inputs.logprobs.indices.map { try inputs.input("ref_logprobs", of: $0) }
            let estimator = inputs.string("estimator", default: "k3")
            let loss: Tensor
            switch estimator {
            case "k1", "k2":
                let logRatio = try Tensor.concatenate(references.map { $0.flattened() }) - inputs.allLogprobs()
                loss = estimator == "k1" ? (-logRatio).mean() : (logRatio.square() * 0.5).mean()
            default:
                // mean(exp(r) - 1 - r) with r = ref - logprob, fused over the datums: one pass
                // forward, each datum's gradient array made once.
                loss = try Tensor.mean(of: inputs.logprobs, against: references) { logprob, reference in
                    let r = reference - logprob
                    let e = libcExp(r)
                    return (e - 1 - r, -(e - 1))
                }
            }
            return LossOutput(loss: loss, metrics: ["kl/\(estimator)": .number(try loss.item())])
        },
        CatalogueImplementation(name: "dpo") { inputs in
            try directPreference(inputs)
        },
        CatalogueImplementation(name: "reverse_kl_topk") { inputs in
            var total = Tensor(scalar: 0)
            var positions = 0
            for index in inputs.logprobs.indices {
                let logprobs = inputs.logprobs[index]
                guard logprobs.shape.count == 2 else {
                    throw CatalogueFnError("reverse_kl_topk needs [T, K] targets; datum \(index) of the selection has shape \(logprobs.shape)")
                }
                let teacher = try inputs.input("weights", of: index)
                if let bad = teacher.values.first(where: { !($0 > 0) }) {
                    throw CatalogueFnError("reverse_kl_topk needs teacher probabilities > 0 in weights; datum \(index) of the selection has \(bad)")
                }
                total = try total + (logprobs.exp() * (logprobs - teacher.log())).sum()
                positions += logprobs.shape[0]
            }
            let loss = total / Double(positions)
            return LossOutput(loss: loss, metrics: ["sdft/reverse_kl_mean": .number(try loss.item())])
        },
    ]

    /// DPO on (chosen, rejected) pairs in selection order, against reference logprobs.
    private static func directPreference(_ inputs: CatalogueInputs) throws -> LossOutput {
        let count = inputs.logprobs.count
        guard count > 0, count % 2 == 0 else {
            throw CatalogueFnError("dpo needs (chosen, rejected) pairs; the selection has \(count) datums")
        }
        let beta = inputs.number("beta", default: 0.1)
        func rewards(_ index: Int) throws -> (policy: Tensor, reference: Double) {
            let logprobs = inputs.logprobs[index]
            let weights = inputs.data[index].lossFnInput("weights") == nil
                ? Tensor(scalar: 1) : try inputs.input("weights", of: index)
            let reference = try inputs.input("ref_logprobs", of: index)
            return (try (weights * logprobs).sum(), try (weights * reference).sum().item())
        }
        var margins: [Tensor] = []
        var chosenRewards: [Double] = []
        var rejectedRewards: [Double] = []
        for pair in 0..<(count / 2) {
            let chosen = try rewards(2 * pair)
            let rejected = try rewards(2 * pair + 1)
            let chosenShift = chosen.policy - chosen.reference
            let rejectedShift = rejected.policy - rejected.reference
            margins.append(try (chosenShift - rejectedShift) * beta)
            chosenRewards.append(beta * (try chosenShift.item()))
            rejectedRewards.append(beta * (try rejectedShift.item()))
        }
        let margin = try Tensor.stack(margins)
        let loss = (-margin.logSigmoid()).mean()
        let pairs = Double(margins.count)
        return LossOutput(loss: loss, metrics: [
            "dpo_loss": .number(try loss.item()),
            "accuracy": .number(Double(margin.values.filter { $0 > 0 }.count) / pairs),
            "margin": .number(margin.values.reduce(0, +) / pairs),
            "chosen_reward": .number(chosenRewards.reduce(0, +) / pairs),
            "rejected_reward": .number(rejectedRewards.reduce(0, +) / pairs),
        ])
    }
}
