import Autodiff
import TinkerWire

/// A Tinker-style training client whose custom-loss call supports structured regularizers.
public struct TrainingClient: Sendable {
    public let backend: any TrainingBackend

    public init(backend: any TrainingBackend) {
        self.backend = backend
    }

    /// Differentiates `lossFn` and the weighted `regularizers` on the client and sends the
    /// backend one linearized `cross_entropy` step whose parameter gradient is
    /// `d(loss_total)/d(parameters)`.
    ///
    /// - Parameters:
    ///   - data: the batch; every datum needs `loss_fn_inputs.target_tokens`.
    ///   - lossFn: the base loss; optional when `regularizers` is non-empty.
    ///   - regularizers: weighted terms, evaluated after `lossFn` in list order; sync and async mix.
    ///   - options: gradient norms, timeouts, concurrency and telemetry.
    /// - Returns: the backward pass's output with the structured metrics (or, with no
    ///   regularizers, the legacy metrics: the backend's with the loss's merged over them).
    /// - Throws: `CustomLossError` for a bad call or fn, the backend's error if it fails.
    ///   Either way no backward request is sent after a failure.
    public func forwardBackwardCustom(
        _ data: [Datum],
        lossFn: LossFunction? = nil,
        regularizers: [Regularizer] = [],
        options: CustomLossOptions = CustomLossOptions()
    ) async throws -> ForwardBackwardOutput {
        #if REGSPEC_FAULTS  // mutation tests only: every fault's seam sits on the dictionary path
        try await forwardBackwardCustom(
            data, lossFn: lossFn, regularizerArguments: regularizers.map(\.arguments), options: options)
        #else
        let regularizers = try CallValidation.validate(data: data, lossFn: lossFn, regularizers: regularizers)
        return try await perform(
            data, lossFn: lossFn, regularizers: regularizers, mode: regularizers.isEmpty ? .legacy : .structured,
            backend: backend, options: options)
        #endif
    }

    /// The same call with regularizers written as dictionaries, which may be malformed.
    public func forwardBackwardCustom(
        _ data: [Datum],
        lossFn: LossFunction? = nil,
        regularizerArguments: [RegularizerArguments],
        options: CustomLossOptions = CustomLossOptions()
    ) async throws -> ForwardBackwardOutput {
        #if REGSPEC_FAULTS  // mutation tests only: a fault enters through the backend, options and validation seams
        let (backend, options) = await ReferenceFault.inject(into: backend, options, data: data)
        let regularizers = try ReferenceFault.validate(data: data, lossFn: lossFn, regularizers: regularizerArguments)
        let mode = ReferenceFault.mode(of: regularizers)
        #else
        let regularizers = try CallValidation.validate(data: data, lossFn: lossFn, regularizers: regularizerArguments)
        let mode: CallMode = regularizers.isEmpty ? .legacy : .structured
        #endif
        return try await perform(data, lossFn: lossFn, regularizers: regularizers, mode: mode, backend: backend, options: options)
    }

    /// The call once validated: forward, the fns, composition and the backward request.
    private func perform(
        _ data: [Datum], lossFn: LossFunction?, regularizers: [Regularizer], mode: CallMode,
        backend: any TrainingBackend, options: CustomLossOptions
    ) async throws -> ForwardBackwardOutput {
        let telemetry = options.telemetry
        let clock = ContinuousClock()
        let start = clock.now
        telemetry.record(.callStarted(mode: mode, fnCount: regularizers.count + (lossFn == nil ? 0 : 1)))
        do {
            let forward = try await backend.forward(data, lossFn: .crossEntropy)
            let logprobs = try Self.logprobLeaves(of: forward, for: data)

            var jobs: [FnJob] = []
            if let lossFn { jobs.append(FnJob(label: "loss_fn", fn: lossFn, weight: nil)) }
            jobs += regularizers.map { FnJob(label: $0.name, fn: $0.fn, weight: $0.weight) }
            let evaluator = FnEvaluator(data: data, logprobs: logprobs, mode: mode, options: options)
            #if REGSPEC_FAULTS  // mutation tests only: a fault enters through a wrapper around the evaluator
            let evaluated = try await ReferenceFault.evaluate(jobs, with: evaluator)
            #else
            let evaluated = try await evaluator.evaluateAll(jobs)
            #endif
            try Task.checkCancellation()

            var output: ForwardBackwardOutput
            let lossTotal: Double
            switch mode {
            case .structured:
                let base = lossFn == nil ? nil : evaluated.first
                let composed = try Composition.structured(
                    base: base, regularizers: Array(evaluated.dropFirst(base == nil ? 0 : 1)),
                    counts: logprobs.map(\.scalarCount), trackGradNorms: options.trackGradNorms)
                output = try await backend.forwardBackward(
                    Self.linearized(data, weights: composed.weights), lossFn: .crossEntropy)
                output.metrics = Self.structuredMetrics(composed.metrics, over: output.metrics)
                lossTotal = composed.metrics.number(at: ["loss_total"]) ?? .nan
            case .legacy:
                let base = evaluated[0]
                let weights = try Composition.legacy(base: base, counts: logprobs.map(\.scalarCount))
                output = try await backend.forwardBackward(
                    Self.linearized(data, weights: weights), lossFn: .crossEntropy)
                output.metrics = Self.legacyMetrics(base.custom, over: output.metrics)
                lossTotal = base.value
            }
            telemetry.record(.callStopped(duration: clock.now - start, lossTotal: lossTotal))
            return output
        } catch {
            #if REGSPEC_FAULTS  // mutation tests only
            await ReferenceFault.sendBackwardOnError(data, to: backend)
            #endif
            telemetry.record(.callFailed(duration: clock.now - start, message: String(describing: error)))
            throw error
        }
    }

    /// Submits the call now; await `result()` later.
    public func forwardBackwardCustomFuture(
        _ data: [Datum],
        lossFn: LossFunction? = nil,
        regularizers: [Regularizer] = [],
        options: CustomLossOptions = CustomLossOptions()
    ) -> APIFuture<ForwardBackwardOutput> {
        forwardBackwardCustomFuture(
            data, lossFn: lossFn, regularizerArguments: regularizers.map(\.arguments), options: options)
    }

    /// Submits the call with regularizers written as dictionaries; await `result()` later.
    public func forwardBackwardCustomFuture(
        _ data: [Datum],
        lossFn: LossFunction? = nil,
        regularizerArguments: [RegularizerArguments],
        options: CustomLossOptions = CustomLossOptions()
    ) -> APIFuture<ForwardBackwardOutput> {
        #if REGSPEC_FAULTS  // mutation tests only: a fault enters through the future's options and result
        let options = ReferenceFault.isActive(.futureIgnoresOptions) ? CustomLossOptions(telemetry: options.telemetry) : options
        return APIFuture {
            try await ReferenceFault.futureResult {
                try await forwardBackwardCustom(
                    data, lossFn: lossFn, regularizerArguments: regularizerArguments, options: options)
            }
        }
        #else
        return APIFuture {
            try await forwardBackwardCustom(
                data, lossFn: lossFn, regularizerArguments: regularizerArguments, options: options)
        }
        #endif
    }

    /// One leaf per datum, shaped like its target tokens, from the forward pass's outputs.
    private static func logprobLeaves(of forward: ForwardBackwardOutput, for data: [Datum]) throws -> [Tensor] {
        try data.enumerated().map { index, datum in
            guard index < forward.lossFnOutputs.count, let served = forward.lossFnOutputs[index].tensor(named: "logprobs") else {
                throw BackendError.logprobsUnavailable(datum: index, datumCount: forward.lossFnOutputs.count)
            }
            let shape = leafShape(targets: datum.targetTokens, served: served)
            guard served.data.count == TensorData.elementCount(of: shape) else {
                throw BackendError.logprobsShapeMismatch(datum: index, expected: shape, served: served.data.count)
            }
            return try Tensor.variable(served.data, shape: shape)
        }
    }

    /// The target tokens' resolved shape ([] without targets), as the served logprobs' own
    /// shape array when that is the same: the backend made one for its output already, often
    /// one the whole batch shares, and the leaf need not make another.
    private static func leafShape(targets: TensorData?, served: TensorData) -> [Int] {
        guard let targets else { return [] }
        if let shape = targets.shape { return shape }
        if let servedShape = served.shape, servedShape.count == 1, servedShape[0] == targets.data.count { return servedShape }
        return [targets.data.count]
    }

    /// The backward request: same inputs and targets, the weights `float32(-g)` composed.
    private static func linearized(_ data: [Datum], weights: [[Double]]) -> [Datum] {
        zip(data, weights).map { datum, weights in
            let targets = datum.targetTokens ?? TensorData(tokens: [])
            return Datum(
                modelInput: datum.modelInput,
                lossFnInputs: [
                    "target_tokens": targets,
                    "weights": TensorData(floats: weights, shape: targets.shape),
                ])
        }
    }

    /// The structured keys first, then the backend's own keys they do not replace.
    private static func structuredMetrics(_ structured: Metrics, over backend: Metrics) -> Metrics {
        var merged = structured
        #if REGSPEC_FAULTS  // mutation tests only
        if ReferenceFault.isActive(.backendMetricsDropped) { return merged }
        #endif
        for (key, value) in backend where merged[key] == nil {
            merged[key] = value
        }
        return merged
    }

    /// Legacy mode: the backend's metrics with the loss_fn's own merged over them, as tinker 0.7.0 did.
    private static func legacyMetrics(_ custom: ScalarKeyedDictionary<Double>, over backend: Metrics) -> Metrics {
        var merged = backend
        for (key, value) in custom {
            #if REGSPEC_FAULTS  // mutation tests only
            guard ReferenceFault.legacyMerges(key, over: backend) else { continue }
            #endif
            merged[key] = .number(value)
        }
        return merged
    }
}
