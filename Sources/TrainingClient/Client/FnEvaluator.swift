import Autodiff
import TinkerWire

/// One fn of a call, as it will be evaluated.
struct FnJob: Sendable {
    /// `loss_fn`, or the regularizer's name.
    let label: String
    let fn: LossFunction
    /// nil for the base loss.
    let weight: Double?
}

/// A fn evaluated and checked: its value, its metrics as numbers, its gradient per datum.
struct EvaluatedFn: Sendable {
    let label: String
    let weight: Double?
    let value: Double
    let custom: ScalarKeyedDictionary<Double>
    /// `d(loss)/d(logprobs[j])`, or nil where no path from the loss reaches datum j; deferred,
    /// so that composing adds each into one buffer per datum without an array per fn.
    let gradients: [DeferredGradient?]

    /// `weight * value`, exactly 0 for a zero weight; nil for the base loss.
    var contribution: Double? {
        weight.map { $0 == 0 ? 0 : Self.contribution(weight: $0, value: value) }
    }

    /// `weight * value`.
    static func contribution(weight: Double, value: Double) -> Double {
        #if REGSPEC_FAULTS  // mutation tests only
        return ReferenceFault.contribution(weight: weight, value: value)
        #else
        return weight * value
        #endif
    }
}

/// Runs every fn of a call, async ones concurrently up to a limit, with results as if run in order.
struct FnEvaluator: Sendable {
    let data: [Datum]
    let logprobs: [Tensor]
    let mode: CallMode
    let options: CustomLossOptions
    /// When the call began evaluating; a timeout never runs from here (only a fault does that).
    let started = ContinuousClock.now

    /// Evaluates `jobs` and returns them in job order.
    ///
    /// Sync fns are called in order on the caller's task, as a Python caller calls them;
    /// async fns run as child tasks, at most `maxConcurrency` fns at a time in all. The last
    /// job, async, while no other runs, is awaited on the caller's task: that task would only
    /// wait for its child, and nothing left can fail and cancel it, so it saves the child
    /// task and the two thread hand-offs for the same outcome.
    /// - Throws: the error of the earliest failing job in job order. Once a job fails, no
    ///   later job starts, and running ones are cancelled as soon as every earlier job has
    ///   settled, since their outcome can no longer matter.
    func evaluateAll(_ jobs: [FnJob]) async throws(CustomLossError) -> [EvaluatedFn] {
        // Every fn sync, as in most calls: each in order on this task, with no task group.
        if !jobs.contains(where: \.fn.isAsync) {
            var evaluated: [EvaluatedFn] = []
            evaluated.reserveCapacity(jobs.count)
            for job in jobs {
                switch await evaluate(job) {
                case .success(let fn): evaluated.append(fn)
                case .failure(let error): throw error
                }
            }
            return evaluated
        }
        let limit = max(1, options.maxConcurrency ?? jobs.count)
        let outcomes = await withTaskGroup(of: (Int, Result<EvaluatedFn, CustomLossError>).self) { group in
            var outcomes = [Result<EvaluatedFn, CustomLossError>?](repeating: nil, count: jobs.count)
            var running = 0
            var settledPrefix = 0
            /// Moves past settled successes; true once the earliest failure in job order is certain.
            func earliestFailureKnown() -> Bool {
                #if REGSPEC_FAULTS  // mutation tests only
                if ReferenceFault.isActive(.firstFailureInTimeReported), outcomes.contains(where: { if case .failure? = $0 { true } else { false } }) { return true }
                #endif
                while settledPrefix < jobs.count, let settled = outcomes[settledPrefix] {
                    if case .failure = settled { return true }
                    settledPrefix += 1
                }
                return false
            }
            func collectOne() async {
                guard let (index, outcome) = await group.next() else { return }
                outcomes[index] = outcome
                running -= 1
            }
            for (index, job) in jobs.enumerated() {
                if outcomes.contains(where: { if case .failure? = $0 { return true } else { return false } }) { break }
                #if REGSPEC_FAULTS  // mutation tests only
                if running >= limit && options.maxConcurrency != nil && ReferenceFault.isActive(.maxConcurrencyDropsQueuedFns) { continue }
                #endif
                while running >= limit { await collectOne() }
                if job.fn.isAsync && !(index == jobs.count - 1 && running == 0) {
                    group.addTask { (index, await evaluate(job)) }
                    running += 1
                } else {
                    outcomes[index] = await evaluate(job)
                }
                if earliestFailureKnown() {
                    group.cancelAll()
                    return outcomes
                }
            }
            while running > 0 {
                await collectOne()
                if earliestFailureKnown() {
                    group.cancelAll()
                    return outcomes
                }
            }
            return outcomes
        }
        var evaluated: [EvaluatedFn] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let fn)?: evaluated.append(fn)
            case .failure(let error)?: throw error
            case nil: break
            }
        }
        return evaluated
    }

    private func evaluate(_ job: FnJob) async -> Result<EvaluatedFn, CustomLossError> {
        let telemetry = options.telemetry
        telemetry.record(.fnStarted(label: job.label))
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let output = try await run(job)
            let evaluated = try check(output, of: job)
            telemetry.record(.fnStopped(
                label: job.label, duration: clock.now - start, value: evaluated.value,
                contribution: evaluated.contribution))
            return .success(evaluated)
        } catch {
            telemetry.record(.fnFailed(label: job.label, error: error))
            return .failure(error)
        }
    }

    /// How far within a timeout an async fn of known duration must end for the evaluator to
    /// start no timer against it: a timer task per fn, its scheduling and its wake-up cost more
    /// than most fns, and a fn that ends a second before its timeout can never reach it.
    static let timerlessMargin = Duration.seconds(1)

    /// Calls the fn, under the timeout when it is async, one is set, and it might reach it.
    private func run(_ job: FnJob) async throws(CustomLossError) -> LossOutput {
        do {
            guard job.fn.isAsync, let limit = options.timeout, !Self.endsFarWithin(limit, job.fn) else {
                return try await job.fn(data, logprobs)
            }
            return try await withThrowingTaskGroup(of: LossOutput?.self) { group in
                group.addTask { try await job.fn(data, logprobs) }
                #if REGSPEC_FAULTS  // mutation tests only
                let limit = ReferenceFault.timeoutLeft(limit, callStarted: started)
                #endif
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let output = first else {
                    throw CustomLossError.timeout(label: job.label, limit: limit)
                }
                return output
            }
        } catch let error as CustomLossError where error.kind == .timeout && !Self.timeoutReportedAsLossFnFailed {
            throw error
        } catch {
            throw .lossFnFailed(label: job.label, underlying: error)
        }
    }

    /// Whether `fn` is known to end at least ``timerlessMargin`` before `limit`.
    static func endsFarWithin(_ limit: Duration, _ fn: LossFunction) -> Bool {
        guard let known = fn.knownDuration else { return false }
        return known + timerlessMargin <= limit
    }

    /// False outside mutation tests.
    private static var timeoutReportedAsLossFnFailed: Bool {
        #if REGSPEC_FAULTS
        return ReferenceFault.isActive(.timeoutReportedAsLossFnFailed)
        #else
        return false
        #endif
    }

    private func check(_ output: LossOutput, of job: FnJob) throws(CustomLossError) -> EvaluatedFn {
        let loss = output.loss
        guard loss.scalarCount == 1, let value = try? loss.item() else {
            throw .nonScalarLoss(label: job.label, shape: loss.shape, count: loss.scalarCount)
        }
        // Legacy mode keeps the legacy SDK's behaviour, which accepted any value.
        #if REGSPEC_FAULTS  // mutation tests only
        let checksFiniteness = ReferenceFault.checksFiniteness(structured: mode == .structured, weight: job.weight)
        #else
        let checksFiniteness = mode == .structured
        #endif
        if checksFiniteness && !value.isFinite {
            throw .nonFiniteLoss(label: job.label, value: value)
        }
        // A finite value times a finite weight can still overflow: a poisoned total, never sent.
        if mode == .structured, let weight = job.weight, weight != 0 {
            let contribution = EvaluatedFn.contribution(weight: weight, value: value)
            if !contribution.isFinite {
                throw .nonFiniteContribution(label: job.label, weight: weight, value: value, contribution: contribution)
            }
        }
        var custom: ScalarKeyedDictionary<Double> = [:]
        for (key, metric) in output.metrics.entries {
            switch metric.reportedNumber() {
            case .success(let number): custom[key] = number
            case .failure(let problem): throw .invalidMetrics(label: job.label, key: key, problem: problem.text)
            }
        }
        let gradients: [DeferredGradient?]
        do {
            gradients = try loss.backward(deferringTo: logprobs)
        } catch {
            throw .lossFnFailed(label: job.label, underlying: error)
        }
        return EvaluatedFn(label: job.label, weight: job.weight, value: value, custom: custom, gradients: gradients)
    }
}
