import TinkerWire

/// Turns evaluated fns into the gradient sent to the backend and the structured metrics.
enum Composition {
    /// Structured mode: `loss_total = base + sum(weight_i * value_i)`, its gradient
    /// (zero where no fn reaches a logprob) and the metrics of semantics section 7.
    /// - Throws: `non_finite_loss` when `regularizer_total` or `loss_total` overflows, then
    ///   `non_finite_gradient` for the first non-finite element of `g` or of `float32(-g)`.
    static func structured(
        base: EvaluatedFn?, regularizers: [EvaluatedFn], counts: [Int], trackGradNorms: Bool
    ) throws(CustomLossError) -> (gradient: [[Double]], metrics: Metrics) {
        var terms: [(gradients: [[Double]?], scale: Double)] = []
        if let base { terms.append((base.gradients, 1)) }
        for regularizer in regularizers {
            let weight = regularizer.weight ?? 0
            if weight != 0 { terms.append((regularizer.gradients, weight)) }
        }
        #if REGSPEC_FAULTS  // mutation tests only: the terms and sums as a composition fault makes them
        terms = ReferenceFault.gradientTerms(base: base, regularizers: regularizers) ?? terms
        var gradient = sum(terms, counts: counts), regularizerTotal = total(regularizers), baseValue = base?.value ?? 0
        ReferenceFault.corrupt(&gradient, &regularizerTotal, &baseValue, regularizers: regularizers)
        #else
        let gradient = sum(terms, counts: counts), regularizerTotal = total(regularizers), baseValue = base?.value ?? 0
        #endif
        guard regularizerTotal.isFinite else { throw .nonFiniteTotal("regularizer_total", value: regularizerTotal) }
        let lossTotal = baseValue + regularizerTotal
        guard lossTotal.isFinite else { throw .nonFiniteTotal("loss_total", value: lossTotal) }
        try checkFinite(gradient, contributors: (base.map { [$0] } ?? []) + regularizers.filter { ($0.weight ?? 0) != 0 })

        var entries: ScalarKeyedDictionary<MetricValue> = [:]
        for regularizer in regularizers {
            let weight = regularizer.weight ?? 0
            let contribution = regularizer.contribution ?? 0
            var entry: ScalarKeyedDictionary<MetricValue> = [
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
        var metrics: ScalarKeyedDictionary<MetricValue> = [
            "loss_total": .number(lossTotal),
            "regularizers": .object(Metrics(entries)),
            "regularizer_total": .number(regularizerTotal),
        ]
        if let base {
            var entry: ScalarKeyedDictionary<MetricValue> = [
                "value": .number(base.value),
                "custom": .object(customMetrics(base)),
            ]
            if trackGradNorms { entry["grad_norm"] = .number(l2Norm(base.gradients)) }
            metrics["base_loss"] = .object(Metrics(entry))
        }
        if trackGradNorms { metrics["total_grad_norm"] = .number(l2Norm(gradient)) }
        #if REGSPEC_FAULTS  // mutation tests only
        ReferenceFault.corrupt(&metrics, base: base, regularizers: regularizers, gradNorm: l2Norm)
        try ReferenceFault.rejectUnreachedDatums(((base.map { [$0] } ?? []) + regularizers), datumCount: counts.count)
        #endif
        return (gradient, Metrics(metrics))
    }

    /// Every element of `g`, and of the float32 weights `-g` becomes, must be finite.
    /// - Parameter contributors: the fns whose gradients were added into `g`; one of them is
    ///   named when its own gradient alone is non-finite at the first bad element.
    private static func checkFinite(_ gradient: [[Double]], contributors: [EvaluatedFn]) throws(CustomLossError) {
        for (datum, row) in gradient.enumerated() {
            guard let element = row.firstIndex(where: { !$0.isFinite || !Float(-$0).isFinite }) else { continue }
            let value = row[element]
            guard value.isFinite else {
                let culprits = contributors.filter { fn in
                    guard datum < fn.gradients.count, let own = fn.gradients[datum], element < own.count else { return false }
                    return !own[element].isFinite
                }
                throw .nonFiniteGradient(
                    datum: datum, element: element, value: value, culprit: culprits.count == 1 ? culprits[0].label : nil)
            }
            throw .float32Overflow(datum: datum, element: element, value: value)
        }
    }

    /// Legacy mode: the loss's gradient, which must reach every datum's logprobs.
    static func legacy(base: EvaluatedFn, counts: [Int]) throws(CustomLossError) -> [[Double]] {
        #if REGSPEC_FAULTS  // mutation tests only
        if ReferenceFault.isActive(.legacyUnreachedDatumGetsZeroGradient) {
            return try structured(base: base, regularizers: [], counts: counts, trackGradNorms: false).gradient
        }
        #endif
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

    /// `regularizer_total`: the contributions summed in list order.
    private static func total(_ regularizers: [EvaluatedFn]) -> Double {
        regularizers.reduce(0.0) { $0 + ($1.contribution ?? 0) }
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
