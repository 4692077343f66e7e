import Autodiff
import TinkerWire

/// Turns evaluated fns into the weights sent to the backend and the structured metrics.
enum Composition {
    /// Structured mode: `loss_total = base + sum(weight_i * value_i)`, the backward weights
    /// `float32(-g)` of its gradient `g` (zero where no fn reaches a logprob) and the metrics of
    /// semantics section 7.
    /// - Throws: `non_finite_loss` when `regularizer_total` or `loss_total` overflows, then
    ///   `non_finite_gradient` for the first non-finite element of `g` or of `float32(-g)`.
    static func structured(
        base: EvaluatedFn?, regularizers: [EvaluatedFn], counts: [Int], trackGradNorms: Bool
    ) throws(CustomLossError) -> (weights: [[Double]], metrics: Metrics) {
        var terms: [(gradients: [DeferredGradient?], scale: Double)] = []
        if let base { terms.append((base.gradients, 1)) }
        for regularizer in regularizers {
            let weight = regularizer.weight ?? 0
            if weight != 0 { terms.append((regularizer.gradients, weight)) }
        }
        #if REGSPEC_FAULTS  // mutation tests only: the terms and totals as a composition fault makes them
        terms = ReferenceFault.gradientTerms(base: base, regularizers: regularizers) ?? terms
        var regularizerTotal = total(regularizers), baseValue = base?.value ?? 0
        ReferenceFault.corrupt(&regularizerTotal, &baseValue, regularizers: regularizers)
        #else
        let regularizerTotal = total(regularizers), baseValue = base?.value ?? 0
        #endif
        guard regularizerTotal.isFinite else { throw .nonFiniteTotal("regularizer_total", value: regularizerTotal) }
        let lossTotal = baseValue + regularizerTotal
        guard lossTotal.isFinite else { throw .nonFiniteTotal("loss_total", value: lossTotal) }
        var squaredNorm = 0.0
        let weights = try Self.weights(
            terms, counts: counts, contributors: (base.map { [$0] } ?? []) + regularizers.filter { ($0.weight ?? 0) != 0 },
            tracksNorm: trackGradNorms, squaredNorm: &squaredNorm)

        // Each dictionary made with room for every key it gets, so that none grows key by key.
        var entries = ScalarKeyedDictionary<MetricValue>(minimumCapacity: regularizers.count)
        for regularizer in regularizers {
            let weight = regularizer.weight ?? 0
            let contribution = regularizer.contribution ?? 0
            var entry = ScalarKeyedDictionary<MetricValue>(minimumCapacity: trackGradNorms ? 6 : 4)
            entry["value"] = .number(regularizer.value)
            entry["weight"] = .number(weight)
            entry["contribution"] = .number(contribution)
            entry["custom"] = .object(customMetrics(regularizer))
            if trackGradNorms {
                let norm = l2Norm(regularizer.gradients)
                entry["grad_norm"] = .number(norm)
                entry["grad_norm_weighted"] = .number(abs(weight) * norm)
            }
            entries[regularizer.label] = .object(Metrics(entry))
        }
        var metrics = ScalarKeyedDictionary<MetricValue>(minimumCapacity: 5)
        metrics["loss_total"] = .number(lossTotal)
        metrics["regularizers"] = .object(Metrics(entries))
        metrics["regularizer_total"] = .number(regularizerTotal)
        if let base {
            var entry = ScalarKeyedDictionary<MetricValue>(minimumCapacity: 3)
            entry["value"] = .number(base.value)
            entry["custom"] = .object(customMetrics(base))
            if trackGradNorms { entry["grad_norm"] = .number(l2Norm(base.gradients)) }
            metrics["base_loss"] = .object(Metrics(entry))
        }
        if trackGradNorms { metrics["total_grad_norm"] = .number(squaredNorm.squareRoot()) }
        #if REGSPEC_FAULTS  // mutation tests only
        ReferenceFault.corrupt(&metrics, base: base, regularizers: regularizers, gradNorm: l2Norm)
        try ReferenceFault.rejectUnreachedDatums(((base.map { [$0] } ?? []) + regularizers), datumCount: counts.count)
        #endif
        return (weights, Metrics(metrics))
    }

    /// The backward weights `float32(-g)` per datum (as doubles, as they go on the wire), with
    /// `g = 0 + scale_1 * g_1 + scale_2 * g_2 + ...` per logprob in term order. Row by row,
    /// a cache-sized chunk at a time: every term is added into the chunk, which is then turned
    /// into weights in place; a row with a non-finite element is summed again and checked
    /// element by element (with the norm, every row is). A call makes no array of its own
    /// beyond one row per datum, and those rows come from `WeightRowPool`, which recycles the
    /// rows of earlier calls: all of a call's rows are taken before any is kept.
    /// - Parameters:
    ///   - contributors: the fns whose gradients were added into `g`, to name one of them when
    ///     its own gradient alone is non-finite at the first bad element.
    ///   - squaredNorm: receives the sum of `g`'s squares, datum by datum (for `total_grad_norm`),
    ///     when `tracksNorm`.
    /// - Throws: `non_finite_gradient` for the first element (datum by datum) of `g` or of
    ///   `float32(-g)` that is not finite; nothing is returned then.
    private static func weights(
        _ terms: [(gradients: [DeferredGradient?], scale: Double)], counts: [Int], contributors: [EvaluatedFn],
        tracksNorm: Bool, squaredNorm: inout Double
    ) throws(CustomLossError) -> [[Double]] {
        #if REGSPEC_FAULTS  // mutation tests only
        let zeroesNonFinite = ReferenceFault.isActive(.nonFiniteGradientZeroed)
        #else
        let zeroesNonFinite = false
        #endif
        let pool = WeightRowPool.shared
        var rows = pool.take(counts: counts)
        defer { pool.keep(rows) }
        for datum in counts.indices {
            var bad: (element: Int, value: Double)?
            var datumSquares = 0.0
            rows[datum].withUnsafeMutableBufferPointer { row in
                // The usual row, all finite, is turned into weights chunk by chunk as it is
                // summed, in a loop that vectorizes; a row with a non-finite element is summed
                // again and goes through the loop that stops at the first.
                if !tracksNorm && !zeroesNonFinite {
                    if sum(terms, datum: datum, into: row, converting: true) { return }
                }
                _ = sum(terms, datum: datum, into: row, converting: false)
                // One loop with the norm, one without: the norm's running sum is a chain of
                // dependent additions that would otherwise bound the whole pass.
                if !tracksNorm {
                    for index in 0..<row.count {
                        var g = row[index]
                        if zeroesNonFinite && !Float(g).isFinite { g = 0 }
                        // float32(-g) is finite only where g is.
                        let sent = Float(-g)
                        if !sent.isFinite {
                            bad = (index, g)
                            return
                        }
                        row[index] = g == 0 ? 0 : Double(sent)
                    }
                } else {
                    for index in 0..<row.count {
                        var g = row[index]
                        if zeroesNonFinite && !Float(g).isFinite { g = 0 }
                        let sent = Float(-g)
                        if !sent.isFinite {
                            bad = (index, g)
                            return
                        }
                        datumSquares += g * g
                        row[index] = g == 0 ? 0 : Double(sent)
                    }
                }
            }
            if let bad { throw nonFinite(bad.value, datum: datum, element: bad.element, contributors: contributors) }
            squaredNorm += datumSquares
        }
        return rows
    }

    /// How many elements of a row are summed at a time: with the chunks of the gradients it
    /// reads (8 KB each), the chunk stays in the L1 cache while every term is added into it.
    private static let chunkCount = 1024

    /// `row = 0 + scale_1 * g_1 + scale_2 * g_2 + ...` for one datum, in term order, a chunk
    /// at a time; with `converting`, each chunk is then turned into weights while it is in
    /// cache (see `convertAllFinite`).
    /// - Returns: with `converting`, whether every weight is finite; otherwise true.
    private static func sum(
        _ terms: [(gradients: [DeferredGradient?], scale: Double)], datum: Int, into row: UnsafeMutableBufferPointer<Double>,
        converting: Bool
    ) -> Bool {
        var allFinite = true
        var start = 0
        while start < row.count {
            let chunk = UnsafeMutableBufferPointer(rebasing: row[start..<min(start + chunkCount, row.count)])
            chunk.update(repeating: 0)
            for (gradients, scale) in terms {
                guard datum < gradients.count, let datumGradient = gradients[datum] else { continue }
                datumGradient.add(scaledBy: scale, into: chunk, from: start)
            }
            if converting && !convertAllFinite(chunk) { allFinite = false }
            start += chunkCount
        }
        return allFinite
    }

    /// Turns each `g` of `row` into its weight `float32(-g)` (0 for a zero `g`) and returns
    /// true when every weight is finite; otherwise the row's contents are unspecified. No
    /// branch leaves the loop, so that it vectorizes.
    @inline(never)  // compiled on its own, where the loop vectorizes
    private static func convertAllFinite(_ row: UnsafeMutableBufferPointer<Double>) -> Bool {
        var nonFinite = 0
        for index in 0..<row.count {
            let g = row[index]
            let sent = Float(-g)
            nonFinite |= sent.isFinite ? 0 : 1
            row[index] = g == 0 ? 0 : Double(sent)
        }
        return nonFinite == 0
    }

    /// The error for a non-finite element `value` of `g` (or of `float32(-g)` when `value` is
    /// finite). `contributors`: the fns whose gradients were added into `g`; one of them is
    /// named when its own gradient alone is non-finite there.
    private static func nonFinite(_ value: Double, datum: Int, element: Int, contributors: [EvaluatedFn]) -> CustomLossError {
        guard value.isFinite else {
            let culprits = contributors.filter { fn in
                guard datum < fn.gradients.count, let own = fn.gradients[datum]?.values, element < own.count else { return false }
                return !own[element].isFinite
            }
            return .nonFiniteGradient(
                datum: datum, element: element, value: value, culprit: culprits.count == 1 ? culprits[0].label : nil)
        }
        return .float32Overflow(datum: datum, element: element, value: value)
    }

    /// Legacy mode: the backward weights `float32(-g)` of the loss's gradient, which must reach
    /// every datum's logprobs. The legacy SDK checked no element, and neither does this.
    static func legacy(base: EvaluatedFn, counts: [Int]) throws(CustomLossError) -> [[Double]] {
        #if REGSPEC_FAULTS  // mutation tests only
        if ReferenceFault.isActive(.legacyUnreachedDatumGetsZeroGradient) {
            return try structured(base: base, regularizers: [], counts: counts, trackGradNorms: false).weights
        }
        #endif
        var weights: [[Double]] = []
        for (datum, datumGradient) in base.gradients.enumerated() {
            guard let datumGradient else { throw .noGradient(datum: datum) }
            weights.append(datumGradient.values.map { $0 == 0 ? 0 : Double(Float(-$0)) })
        }
        return weights
    }

    /// `regularizer_total`: the contributions summed in list order.
    private static func total(_ regularizers: [EvaluatedFn]) -> Double {
        regularizers.reduce(0.0) { $0 + ($1.contribution ?? 0) }
    }

    private static func l2Norm(_ gradients: [DeferredGradient?]) -> Double {
        gradients.reduce(0) { sum, datum in
            sum + (datum?.values ?? []).reduce(0) { $0 + $1 * $1 }
        }.squareRoot()
    }

    private static func customMetrics(_ fn: EvaluatedFn) -> Metrics {
        Metrics(fn.custom.mapValues { .number($0) })
    }
}
