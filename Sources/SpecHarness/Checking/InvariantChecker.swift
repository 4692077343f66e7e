import TinkerWire

/// The properties every successful result keeps, whatever the case states.
struct InvariantChecker {
    let specCase: SpecCase

    private var call: CallSpec { specCase.input.call }
    private var tolerance: Tolerance { specCase.tolerance.base }

    func check(metrics: Metrics, observation: Observation) -> [Mismatch] {
        #if REGSPEC_FAULTS
        if HarnessFault.isActive(.invariantsOff) { return [] }
        #endif
        var mismatches = checkRequests(observation)
        if call.regularizers.isEmpty {
            mismatches += checkLegacy(metrics)
        } else {
            mismatches += checkStructured(metrics)
        }
        return mismatches
    }

    /// One forward and one backward; the backward carries the same inputs and targets, weights and nothing else.
    private func checkRequests(_ observation: Observation) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        if observation.forwardRequests.count != 1 {
            mismatches.append(Mismatch("requests.forward", "expected exactly one forward request, got \(observation.forwardRequests.count)"))
        }
        guard observation.backwardRequests.count == 1, let backward = observation.backwardRequests.first else {
            mismatches.append(Mismatch("requests.backward", "expected exactly one backward request, got \(observation.backwardRequests.count)"))
            return mismatches
        }
        let data = specCase.input.data.lazy.map(\.datum)
        if let forward = observation.forwardRequests.first, forward.lossFn != .crossEntropy {
            mismatches.append(Mismatch("requests.forward.loss_fn", "must be cross_entropy, is \(forward.lossFn)"))
        }
        if backward.lossFn != .crossEntropy {
            mismatches.append(Mismatch("requests.backward.loss_fn", "must be cross_entropy, is \(backward.lossFn)"))
        }
        if let forward = observation.forwardRequests.first {
            for (index, datum) in data.enumerated() where index >= forward.data.count
                || !Self.sameTokens(forward.data[index].modelInput, datum.modelInput)
                || !Self.sameTargets(forward.data[index].targetTokens, datum.targetTokens)
            {
                mismatches.append(Mismatch("requests.forward.data[\(index)]", "the forward request does not carry datum \(index)'s model_input and target_tokens"))
            }
        }
        guard backward.data.count == data.count else {
            mismatches.append(Mismatch("requests.backward.data", "expected \(data.count) datums, got \(backward.data.count)"))
            return mismatches
        }
        for (index, datum) in data.enumerated() {
            let sent = backward.data[index]
            var path: String { "requests.backward.data[\(index)]" }  // named only for a mismatch
            if !Self.sameTokens(sent.modelInput, datum.modelInput) {
                mismatches.append(Mismatch(path + ".model_input", "differs from the datum's model_input"))
            }
            let targets = datum.targetTokens  // looked up once per datum
            if !Self.sameTargets(sent.targetTokens, targets) {
                mismatches.append(Mismatch(path + ".target_tokens", "differs from the datum's target_tokens (values, int64 dtype or shape)"))
            }
            let keys = KeySetComparison(expected: ["target_tokens", "weights"], actual: Array(sent.lossFnInputs.keys))
            if !keys.sameSet {
                mismatches.append(Mismatch(path + ".loss_fn_inputs", "must hold exactly target_tokens and weights: \(keys.difference)"))
            }
            let targetShape = targets?.resolvedShape ?? [0]
            if let weights = sent.lossFnInput("weights") {
                if weights.resolvedShape != targetShape || weights.data.count != TensorData.elementCount(of: targetShape) {
                    mismatches.append(Mismatch(
                        path + ".weights",
                        "has shape \(weights.resolvedShape) with \(weights.data.count) values; the weights are -d(loss_total)/d(logprobs), shaped like target_tokens \(targetShape)"))
                }
                if weights.dtype != .float32 {
                    mismatches.append(Mismatch(path + ".weights", "has dtype \(weights.dtype.rawValue); weights travel as float32"))
                }
            }
        }
        return mismatches
    }

    /// The same tokens, however they are split into chunks; equal chunks, the usual case,
    /// settle it without joining them.
    private static func sameTokens(_ sent: ModelInput, _ expected: ModelInput) -> Bool {
        sent.chunks == expected.chunks || sent.tokens == expected.tokens
    }

    /// Same token values, int64, and the same resolved shape.
    private static func sameTargets(_ sent: TensorData?, _ expected: TensorData?) -> Bool {
        guard let sent, let expected else { return sent == nil && expected == nil }
        return sent.data == expected.data && sent.dtype == .int64 && sent.resolvedShape == expected.resolvedShape
    }

    private func checkStructured(_ metrics: Metrics) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        func number(_ path: [String]) -> Double? {
            let value = metrics.number(at: path)
            if value == nil { mismatches.append(Mismatch("metrics." + path.joined(separator: "."), "missing or not a number (schema)")) }
            return value
        }
        // An invariant on a field honours the tolerance the case sets for that field; the
        // path is made only when the case sets one, or for a mismatch.
        func near(_ actual: Double, _ expected: Double, _ path: @autoclosure () -> FieldPath, _ rule: String) {
            let tolerances = specCase.tolerance
            let tolerance = tolerances.fields.isEmpty ? tolerances.base : tolerances.tolerance(for: path())
            if !tolerance.accepts(actual, expected: expected) {
                mismatches.append(Mismatch(
                    path().description, "\(rule): " + tolerance.rejection(of: actual, expected: expected),
                    expected: expected, actual: actual, allowed: tolerance.allowance(for: expected), rule: rule))
            }
        }
        let tracksNorms = call.options.trackGradNorms
        guard let lossTotal = number(["loss_total"]), let regularizerTotal = number(["regularizer_total"]) else { return mismatches }
        guard case .object(let entries)? = metrics["regularizers"] else {
            mismatches.append(Mismatch("metrics.regularizers", "missing or not an object (schema)"))
            return mismatches
        }
        let names = call.regularizers.compactMap(\.name)
        let entryNames = KeySetComparison(expected: names, actual: entries.keys)
        if !entryNames.sameSequence {
            mismatches.append(Mismatch(
                "metrics.regularizers",
                "keys must be the \(names.count) regularizer names in call order; the engine reported \(entries.keys.count): \(entryNames.difference)"))
        }
        var contributions = 0.0
        let entryKeys = tracksNorms ? Self.entryKeysWithNorms : Self.entryKeys
        for regularizer in call.regularizers {
            guard let name = regularizer.name, let found = entries[name] else { continue }
            var entryPath: FieldPath { FieldPath(["metrics", "regularizers", name]) }  // made only where needed
            var path: String { entryPath.description }  // named only for a mismatch
            guard case .object(let entry) = found else {
                mismatches.append(Mismatch(path, "must be an object, is a number (schema)"))
                continue
            }
            let keys = KeySetComparison(expected: entryKeys, actual: entry.keys)
            if !keys.sameSet {
                mismatches.append(Mismatch(path, "must have exactly the keys \(entryKeys): \(keys.difference)"))
            }
            // Each invariant below needs these three numbers; without them it cannot be judged,
            // and a check that cannot be judged fails.
            let numbers = (entry.number(at: ["value"]), entry.number(at: ["weight"]), entry.number(at: ["contribution"]))
            guard let value = numbers.0, let weight = numbers.1, let contribution = numbers.2 else {
                for (key, number) in zip(["value", "weight", "contribution"], [numbers.0, numbers.1, numbers.2]) where number == nil {
                    mismatches.append(Mismatch(path + "." + key, "missing or not a number (schema)"))
                }
                continue
            }
            if let input = regularizer.weight, weight != input {
                mismatches.append(Mismatch(path + ".weight", "must echo the input weight \(input) exactly, is \(weight)"))
            }
            if weight == 0 {
                if contribution != 0 {
                    mismatches.append(Mismatch(path + ".contribution", "a zero weight must contribute exactly 0.0, contributes \(contribution)"))
                }
            } else {
                near(contribution, weight * value, entryPath.appending("contribution"), "contribution = weight * value")
            }
            contributions += contribution
            mismatches += checkCustom(entry["custom"], fn: regularizer.fn, path: entryPath.description + ".custom", value: value)
            if tracksNorms {
                if let norm = entry.number(at: ["grad_norm"]), let weighted = entry.number(at: ["grad_norm_weighted"]) {
                    near(weighted, abs(weight) * norm, entryPath.appending("grad_norm_weighted"), "grad_norm_weighted = |weight| * grad_norm")
                } else {
                    mismatches.append(Mismatch(path, "grad_norm and grad_norm_weighted must be numbers with track_grad_norms on (schema)"))
                }
            }
        }
        near(regularizerTotal, contributions, FieldPath(["metrics", "regularizer_total"]), "regularizer_total = sum of contributions")

        var baseValue = 0.0
        switch (call.lossFn, metrics["base_loss"]) {
        case (let fn?, .object(let base)?):
            let baseKeys = tracksNorms ? Self.baseKeysWithNorm : Self.baseKeys
            let keys = KeySetComparison(expected: baseKeys, actual: base.keys)
            if !keys.sameSet {
                mismatches.append(Mismatch("metrics.base_loss", "must have exactly the keys \(baseKeys): \(keys.difference)"))
            }
            if let value = base.number(at: ["value"]) {
                baseValue = value
            } else {
                mismatches.append(Mismatch("metrics.base_loss.value", "missing or not a number (schema)"))
            }
            mismatches += checkCustom(base["custom"], fn: fn, path: "metrics.base_loss.custom", value: baseValue)
        case (nil, nil):
            break
        case (_?, _):
            mismatches.append(Mismatch("metrics.base_loss", "a loss_fn was given, so base_loss must be an object"))
        case (nil, _?):
            mismatches.append(Mismatch("metrics.base_loss", "no loss_fn was given, so base_loss must be absent"))
        }
        near(lossTotal, baseValue + regularizerTotal, FieldPath(["metrics", "loss_total"]), "loss_total = base + regularizer_total")
        if tracksNorms != (metrics["total_grad_norm"] != nil) {
            mismatches.append(Mismatch("metrics.total_grad_norm", tracksNorms ? "missing with track_grad_norms on" : "present with track_grad_norms off"))
        }
        // A custom metric merged at the top level shows up under its own name with its own
        // value; structured keys of the same name are checked above.
        for fn in call.allFns {
            for (key, metric) in fn.metrics where !Self.structuredResultKeys.contains(key) && metric != .ownLoss {
                if let topLevel = metrics.number(at: [key]), topLevel == Self.reported(metric, value: 0) {
                    mismatches.append(Mismatch("metrics.\(key)", "a custom metric sits at the top level; structured mode keeps custom metrics inside their entry"))
                }
            }
        }
        return mismatches
    }

    /// A fn's `custom` holds exactly the metrics it reported (semantics 7): its catalogue
    /// entry's own and the verbatim ones it was asked to return, these with their values.
    /// - Parameter path: built only for a mismatch.
    private func checkCustom(_ custom: MetricValue?, fn: FnSpec?, path: @autoclosure () -> String, value: Double) -> [Mismatch] {
        guard case .object(let object)? = custom else {
            return [Mismatch(path(), "missing or not an object (schema)")]
        }
        var mismatches: [Mismatch] = []
        if let fn, let reported = Catalogue.standard.customKeys(of: fn) {
            let keys = KeySetComparison(expected: reported, actual: object.keys)
            if !keys.sameSet {
                mismatches.append(Mismatch(
                    path(), "must hold exactly the metrics its fn reported, \(KeySetComparison.describe(reported)): \(keys.difference)",
                    rule: "custom holds exactly its fn's metrics"))
            }
        }
        for (key, metric) in fn?.metrics ?? [:] {
            guard let actual = object.number(at: [key]) else {
                if object[key] != nil { mismatches.append(Mismatch("\(path()).\(key)", "the fn returned this metric; it must be a number")) }
                continue
            }
            let expected = Self.reported(metric, value: value)
            if !Tolerance(relative: tolerance.relative, absolute: tolerance.absolute, equalNaN: true).accepts(actual, expected: expected) {
                mismatches.append(Mismatch("\(path()).\(key)", "must echo \(expected), is \(actual)"))
            }
        }
        return mismatches
    }

    /// Legacy mode: the loss_fn's own metrics sit at the top level with their values, and
    /// none of the structured keys appear unless the loss_fn itself reports a metric of that
    /// name (legacy custom metrics may use any name).
    private func checkLegacy(_ metrics: Metrics) -> [Mismatch] {
        guard let fn = call.lossFn else { return [] }
        var mismatches: [Mismatch] = []
        let reported = Array(fn.metrics.keys)
        for key in Self.structuredKeys where metrics[key] != nil && !reported.contains(where: { FieldPath.sameKey($0, key) }) {
            mismatches.append(Mismatch("metrics.\(key)", "legacy mode keeps the legacy metrics; structured keys must not appear unless the loss_fn reports a metric of that name"))
        }
        for (key, metric) in fn.metrics where metric != .ownLoss {
            let expected = Self.reported(metric, value: 0)
            guard let actual = metrics.number(at: [key]) else {
                mismatches.append(Mismatch("metrics.\(key)", "the loss_fn returned this metric; legacy mode merges it at the top level"))
                continue
            }
            if !Tolerance(relative: tolerance.relative, absolute: tolerance.absolute, equalNaN: true).accepts(actual, expected: expected) {
                mismatches.append(Mismatch("metrics.\(key)", "must be the loss_fn's value \(expected), is \(actual)"))
            }
        }
        return mismatches
    }

    /// The keys of a regularizer's entry and of `base_loss`, without and with gradient norms.
    static let entryKeys = ["value", "weight", "contribution", "custom"]
    static let entryKeysWithNorms = entryKeys + ["grad_norm", "grad_norm_weighted"]
    static let baseKeys = ["value", "custom"]
    static let baseKeysWithNorm = baseKeys + ["grad_norm"]

    /// Every key of a structured result's top level that the structured checks judge.
    static let structuredResultKeys: Set<String> = ["loss_total", "regularizers", "regularizer_total", "base_loss", "total_grad_norm"]

    /// The keys structured mode adds, which legacy results do not have.
    static let structuredKeys = ["loss_total", "regularizers", "regularizer_total", "base_loss"]

    private static func reported(_ metric: VerbatimMetric, value: Double) -> Double {
        switch metric {
        case .number(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        case .ownLoss: return value
        }
    }
}
