import OrderedCollections

/// Turns evaluated fns into the gradient sent to the backend and the structured metrics.
enum Composition {
    /// Structured mode: `loss_total = base + sum(weight_i * value_i)`, its gradient
    /// (zero where no fn reaches a logprob) and the metrics of semantics section 7.
    static func structured(
        base: EvaluatedFn?, regularizers: [EvaluatedFn], counts: [Int], trackGradNorms: Bool
    ) -> (gradient: [[Double]], metrics: Metrics) {
        var gradient = counts.map { [Double](repeating: 0, count: $0) }
        if let base, !ReferenceFault.isActive(.baseGradientDropped) { add(base.gradients, scaledBy: 1, into: &gradient) }
        for regularizer in regularizers {
            let weight = ReferenceFault.gradientScale(for: regularizer.weight ?? 0)  // the weight, outside mutation tests
            if weight != 0 { add(regularizer.gradients, scaledBy: weight, into: &gradient) }
        }
        ReferenceFault.sanitize(&gradient)

        var entries: OrderedDictionary<String, MetricValue> = [:]
        var regularizerTotal = 0.0
        for regularizer in regularizers {
            let weight = regularizer.weight ?? 0
            let contribution = regularizer.contribution ?? 0
            regularizerTotal += contribution
            var entry: OrderedDictionary<String, MetricValue> = [
                "value": .number(regularizer.value),
                "weight": .number(ReferenceFault.isActive(.weightEchoRoundedToFloat32) ? Double(Float(weight)) : weight),
                "contribution": .number(contribution),
                "custom": .object(customMetrics(regularizer)),
            ]
            if trackGradNorms {
                let norm = l2Norm(regularizer.gradients)
                entry["grad_norm"] = .number(norm)
                entry["grad_norm_weighted"] = .number((ReferenceFault.isActive(.gradNormWeightedKeepsSign) ? weight : abs(weight)) * norm)
            }
            entries[regularizer.label] = .object(Metrics(entry))
        }
        if ReferenceFault.isActive(.regularizerTotalDropsLast) { regularizerTotal -= regularizers.last?.contribution ?? 0 }
        if ReferenceFault.isActive(.regularizerEntriesSortedByName) { entries.sort { $0.key < $1.key } }
        let baseValue = ReferenceFault.isActive(.lossTotalOmitsBase) ? 0 : base?.value ?? 0
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
        ReferenceFault.corrupt(&metrics, base: base, regularizers: regularizers, gradNorm: l2Norm)
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

    private static func add(_ gradients: [[Double]?], scaledBy scale: Double, into total: inout [[Double]]) {
        for (datum, datumGradient) in gradients.enumerated() {
            guard let datumGradient else { continue }
            // One uniqueness check per row, not per element: this runs over every logprob of every fn.
            total[datum].withUnsafeMutableBufferPointer { row in
                for index in row.indices { row[index] += scale * datumGradient[index] }
            }
        }
    }

    private static func l2Norm(_ gradients: [[Double]?]) -> Double {
        gradients.reduce(0) { sum, datum in
            sum + (datum ?? []).reduce(0) { $0 + $1 * $1 }
        }.squareRoot()
    }

    private static func customMetrics(_ fn: EvaluatedFn) -> Metrics {
        if ReferenceFault.isActive(.customMetricsDropped) { return Metrics() }
        return Metrics(fn.custom.mapValues { .number($0) })
    }
}
