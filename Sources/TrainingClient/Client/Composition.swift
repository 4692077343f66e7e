import OrderedCollections

/// Turns evaluated fns into the gradient sent to the backend and the structured metrics.
enum Composition {
    /// Structured mode: `loss_total = base + sum(weight_i * value_i)`, its gradient
    /// (zero where no fn reaches a logprob) and the metrics of semantics section 7.
    static func structured(
        base: EvaluatedFn?, regularizers: [EvaluatedFn], counts: [Int], trackGradNorms: Bool
    ) -> (gradient: [[Double]], metrics: Metrics) {
        var terms: [(gradients: [[Double]?], scale: Double)] = base.map { [($0.gradients, 1)] } ?? []
        for regularizer in regularizers {
            let weight = regularizer.weight ?? 0
            if weight != 0 { terms.append((regularizer.gradients, weight)) }
        }
        let gradient = sum(terms, counts: counts)

        var entries: OrderedDictionary<String, MetricValue> = [:]
        var regularizerTotal = 0.0
        for regularizer in regularizers {
            let weight = regularizer.weight ?? 0
            let contribution = regularizer.contribution ?? 0
            regularizerTotal += contribution
            var entry: OrderedDictionary<String, MetricValue> = [
                "value": .number(regularizer.value),
                "weight": .number(weight),
                "contribution": .number(contribution),
                "custom": .object(customMetrics(regularizer)),
            ]
            if trackGradNorms {
                let norm = l2Norm(regularizer.gradients)
                entry["grad_norm"] = .number(norm)
                entry["grad_norm_weighted"] = .number(abs(weight) * norm)
            }
            entries[regularizer.label] = .object(Metrics(entry))
        }
        let baseValue = base?.value ?? 0
        var metrics: OrderedDictionary<String, MetricValue> = [
            "loss_total": .number(baseValue + regularizerTotal),
            "regularizers": .object(Metrics(entries)),
            "regularizer_total": .number(regularizerTotal),
        ]
        if let base {
            var entry: OrderedDictionary<String, MetricValue> = [
                "value": .number(base.value),
                "custom": .object(customMetrics(base)),
            ]
            if trackGradNorms { entry["grad_norm"] = .number(l2Norm(base.gradients)) }
            metrics["base_loss"] = .object(Metrics(entry))
        }
        if trackGradNorms { metrics["total_grad_norm"] = .number(l2Norm(gradient)) }
        return (gradient, Metrics(metrics))
    }

    /// Legacy mode: the loss's gradient, which must reach every datum's logprobs.
    static func legacy(base: EvaluatedFn) throws(CustomLossError) -> [[Double]] {
        var gradient: [[Double]] = []
        for (datum, datumGradient) in base.gradients.enumerated() {
            guard let datumGradient else { throw .noGradient(datum: datum) }
            gradient.append(datumGradient)
        }
        return gradient
    }

    /// `0 + scale_1 * g_1 + scale_2 * g_2 + ...` per logprob, in term order. Row by row, every
    /// term's contribution while the row is in cache: this runs over every logprob of every fn.
    private static func sum(_ terms: [(gradients: [[Double]?], scale: Double)], counts: [Int]) -> [[Double]] {
        counts.enumerated().map { datum, count in
            var total = [Double](repeating: 0, count: count)
            total.withUnsafeMutableBufferPointer { row in
                for (gradients, scale) in terms {
                    guard datum < gradients.count, let datumGradient = gradients[datum] else { continue }
                    datumGradient.withUnsafeBufferPointer { source in
                        for index in 0..<min(row.count, source.count) { row[index] += scale * source[index] }
                    }
                }
            }
            return total
        }
    }

    private static func l2Norm(_ gradients: [[Double]?]) -> Double {
        gradients.reduce(0) { sum, datum in
            sum + (datum ?? []).reduce(0) { $0 + $1 * $1 }
        }.squareRoot()
    }

    private static func customMetrics(_ fn: EvaluatedFn) -> Metrics {
        Metrics(fn.custom.mapValues { .number($0) })
    }
}
