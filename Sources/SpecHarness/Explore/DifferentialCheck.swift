#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TinkerWire

/// Runs one generated case on the engine under test and on the reference, and judges the
/// engine by what the reference observed, with the same checker, tolerance and invariants as
/// `regspec run`.
package struct DifferentialCheck: Sendable {
    /// The trusted side: its observation becomes the case's expectation.
    package let reference: any Engine
    package let engine: any Engine
    /// What the engine announced. Without `float64`, each case is judged with a tolerance a
    /// float32 implementation can meet (`float32Tolerance`); with it, with the suite's defaults.
    package let engineCapabilities: Set<Capability>

    /// - Parameters:
    ///   - reference: the trusted engine, usually `ReferenceEngine` (the harness links none itself).
    package init(reference: any Engine, engine: any Engine, engineCapabilities: Set<Capability> = Set(Capability.all)) {
        self.reference = reference
        self.engine = engine
        self.engineCapabilities = engineCapabilities
    }

    /// How one case came out.
    package enum Verdict: Sendable {
        case agreed
        case disagreed([Mismatch])
        /// Not run; no case is skipped today (a float32 engine gets a float32 tolerance), kept
        /// for engines that cannot take a case at all.
        case skipped(String)
        /// The engine broke (crash, hang, garbage): nothing to compare.
        case errored(EngineFailure)
    }

    /// The outcome of one comparison, with the spec case the reference's observation made.
    package struct Result: Sendable {
        package var verdict: Verdict
        package var specCase: SpecCase
        /// What the reference did: `success`, or the error kind it reported.
        package var referenceOutcome: String
    }

    /// Runs `generated` on the reference, then on the engine, and judges the engine.
    /// - Parameter wholeSpecCase: false when only the verdict and the reference's outcome are
    ///   read (a generated case, a shrinking candidate): the reference is then not rerun to tell
    ///   whether the case needs `float64` of an engine announcing it, and the result's spec case
    ///   may lack that requirement. The verdict is the same either way: a requirement decides
    ///   which engines run a case, never how one is judged.
    package func compare(_ generated: ExploreCase, id: String, wholeSpecCase: Bool = true) async -> Result {
        await judge(prepare(generated, id: id), wholeSpecCase: wholeSpecCase)
    }

    /// A case with the reference's expectation, not yet run on the engine.
    struct Prepared: Sendable {
        var generated: ExploreCase
        var input: CaseInput
        var specCase: SpecCase
        var referenceOutcome: String
        /// Set when the reference could not run the case: nothing to run on the engine.
        var referenceFailure: EngineFailure?
        /// Whether a whole spec case asks the conditioning runs (a success judged at float64).
        var conditioningNeeded: Bool
    }

    /// The reference's side of `compare`: the expectation and the tolerance the engine is judged by.
    func prepare(_ generated: ExploreCase, id: String) async -> Prepared {
        let input = generated.input(id: id)
        var idealInput = input
        idealInput.call = Self.inIdealTiming(generated).call
        let expected: Observation
        do {
            expected = try await reference.run(idealInput)
        } catch {
            let specCase = Self.specCase(id: id, input: input, expectation: .failure(ErrorExpectation(
                kind: nil, messagePattern: ".", label: nil, requests: nil, location: .start(of: "explore"))), tolerance: ToleranceSettings())
            return Prepared(
                generated: generated, input: input, specCase: specCase, referenceOutcome: "errored",
                referenceFailure: EngineFailure(.other, "the reference could not run the case: \(error)"), conditioningNeeded: false)
        }
        let (expectation, tolerance) = Self.expectation(from: expected, input: input)
        var specCase = Self.specCase(id: id, input: input, expectation: expectation, tolerance: tolerance)
        var conditioningNeeded = false
        if case .success(let success) = expectation {
            if !engineCapabilities.contains(Capability.float64) {
                specCase.tolerance = await float32Tolerance(generated, expected: success, over: tolerance, id: id)
            } else {
                conditioningNeeded = true
            }
        }
        return Prepared(
            generated: generated, input: input, specCase: specCase, referenceOutcome: Self.outcomeName(expected),
            referenceFailure: nil, conditioningNeeded: conditioningNeeded)
    }

    /// The engine's side of `compare`: runs the prepared case on the engine and judges it.
    func judge(_ prepared: Prepared, wholeSpecCase: Bool) async -> Result {
        var specCase = prepared.specCase
        if let failure = prepared.referenceFailure {
            return Result(verdict: .errored(failure), specCase: specCase, referenceOutcome: prepared.referenceOutcome)
        }
        let verdict: Verdict
        do {
            let observation = try await engine.run(prepared.input)
            let mismatches = CaseChecker(specCase).check(observation)
            verdict = mismatches.isEmpty ? .agreed : .disagreed(mismatches)
        } catch {
            verdict = .errored(EngineFailure(wrapping: error))
        }
        if prepared.conditioningNeeded && wholeSpecCase, await !isWellConditioned(prepared.generated, judgedBy: specCase) {
            specCase.declaredRequirements.insert(Capability.float64)
        }
        return Result(verdict: verdict, specCase: specCase, referenceOutcome: prepared.referenceOutcome)
    }

    /// Whether the reference's own result survives a nudge of every input by a few float32 ulps,
    /// once in random directions and once all one way (the worst case for long sums such as DPO's
    /// rewards): if not, float32 arithmetic cannot meet the tolerance either, and the case needs
    /// `float64`. A heuristic that errs on the side of asking for float64.
    func isWellConditioned(_ generated: ExploreCase, judgedBy specCase: SpecCase) async -> Bool {
        var random = SeededGenerator(seed: 0x5EED)
        for direction in [nil, 1.0] as [Double?] {
            let nudged = Self.nudged(generated, direction: direction, random: &random)
            guard let observation = try? await reference.run(nudged.input(id: specCase.id)) else { continue }
            if !CaseChecker(specCase).check(observation).isEmpty { return false }
        }
        return true
    }

    /// How much every input is moved to measure how rounding moves the result: 2^-21 relative,
    /// 8 float32 unit roundoffs (2^-24), more than the rounding of one float32 operation.
    static let float32Nudge = 0x1.0p-21
    /// How far beyond the largest change the nudges cause a float32 result may lie.
    static let float32Margin = 8.0
    /// The largest relative allowance a float32 tolerance gives a non-zero value, so that every
    /// check can still fail (`SensitivityLint`).
    static let float32MaximumRelative = 0.5

    /// A tolerance a float32 implementation can meet on this case: an error bound per compared
    /// number, measured as the largest change of the reference's result when every input moves
    /// by `float32Nudge` (twice in random directions, once all one way), times `float32Margin`,
    /// where that exceeds what `settings` already allow. A float32 implementation errs as if its
    /// inputs had moved by a few roundoffs (backward stability), so this bounds its error; a
    /// fault that moves a result by more than rounding still shows.
    func float32Tolerance(_ generated: ExploreCase, expected: SuccessExpectation, over settings: ToleranceSettings, id: String) async -> ToleranceSettings {
        var leaves: [(path: FieldPath, value: Double)] = []
        func walk(_ metric: ExpectedMetric, _ path: FieldPath) {
            switch metric {
            case .number(let value, _): leaves.append((path, value))
            case .object(let children, _): for child in children { walk(child.value, path.appending(child.key)) }
            }
        }
        if let metrics = expected.metrics { walk(metrics, FieldPath(["metrics"])) }
        // The checker compares the gradient rounded to float32, as it travels.
        let gradient = (expected.gradient ?? []).map { $0.values.map { Double(Float($0)) } }
        var leafChange = Array(repeating: 0.0, count: leaves.count)
        var gradientChange = gradient.map { Array(repeating: 0.0, count: $0.count) }
        func record(_ change: inout Double, _ actual: Double, _ expected: Double) {
            guard actual.isFinite, expected.isFinite else { return }
            change = max(change, abs(actual - expected))
        }
        var random = SeededGenerator(seed: 0xF32)
        for direction in [nil, nil, 1.0] as [Double?] {
            let nudged = Self.nudged(generated, direction: direction, random: &random)
            guard let observation = try? await reference.run(nudged.input(id: id)), case .success(let metrics) = observation.outcome else { continue }
            for (index, leaf) in leaves.enumerated() {
                if case .number(let actual)? = metrics.value(at: Array(leaf.path.keys.dropFirst())) {
                    record(&leafChange[index], actual, leaf.value)
                }
            }
            guard let request = observation.backwardRequests.first, request.data.count == gradient.count else { continue }
            for (row, expectedRow) in gradient.enumerated() {
                guard let weights = request.data[row].lossFnInputs["weights"]?.data, weights.count == expectedRow.count else { continue }
                for (column, value) in expectedRow.enumerated() { record(&gradientChange[row][column], -weights[column], value) }
            }
        }
        var result = settings
        func widen(_ path: FieldPath, to bound: Double, for value: Double, relative: inout Double?, absolute: inout Double?) {
            let current = result.tolerance(for: path)
            guard bound > current.allowance(for: value) else { return }
            if value == 0 {
                absolute = max(absolute ?? current.absolute, bound)
            } else {
                relative = max(relative ?? current.relative, min(bound / abs(value), Self.float32MaximumRelative))
            }
        }
        for (index, leaf) in leaves.enumerated() {
            var relative: Double?
            var absolute: Double?
            widen(leaf.path, to: Self.float32Margin * leafChange[index], for: leaf.value, relative: &relative, absolute: &absolute)
            if relative != nil || absolute != nil { result.fields[leaf.path] = Self.merged(result.fields[leaf.path], relative: relative, absolute: absolute) }
        }
        let gradientPath = FieldPath(["gradient"])
        var relative: Double?
        var absolute: Double?
        for (row, values) in gradient.enumerated() {
            for (column, value) in values.enumerated() {
                widen(gradientPath, to: Self.float32Margin * gradientChange[row][column], for: value, relative: &relative, absolute: &absolute)
            }
        }
        if relative != nil || absolute != nil { result.fields[gradientPath] = Self.merged(result.fields[gradientPath], relative: relative, absolute: absolute) }
        // A wider allowance must still tell every expected non-zero value from 0.
        for leaf in leaves where SensitivityLint.cannotTellFromZero(leaf.value, result.tolerance(for: leaf.path)) {
            result.fields[leaf.path] = Self.merged(result.fields[leaf.path], relative: nil, absolute: abs(leaf.value) / 1000)
        }
        let blind = gradient.joined().filter { SensitivityLint.cannotTellFromZero($0, result.tolerance(for: gradientPath)) }
        if let smallest = blind.map(abs).min() {
            result.fields[gradientPath] = Self.merged(result.fields[gradientPath], relative: nil, absolute: smallest / 1000)
        }
        result.ownFields = Set(result.fields.keys)
        return result
    }

    static func merged(_ patch: TolerancePatch?, relative: Double?, absolute: Double?) -> TolerancePatch {
        var merged = patch ?? TolerancePatch()
        if let relative { merged.relative = relative }
        if let absolute { merged.absolute = absolute }
        return merged
    }

    /// The case as it runs when every fn takes exactly its delay: a fn whose delay ends within
    /// the call's timeout (every fn, without one) has the same outcome without sleeping, so the
    /// reference skips that sleep; a fn that outlasts the timeout keeps it and times out. Only
    /// the engine under test sleeps, and the reference's expectation does not hang on how
    /// late a loaded machine wakes it. When no fn is left to outlast it, the timeout goes too:
    /// a fn that takes no time never reaches it, and the reference then races no timer
    /// against each async fn. Nor does it run them as tasks: with no sleep and no timeout,
    /// an async fn's outcome is a sync one's (results are composed as if run in list order,
    /// and the earliest failure in list order is reported), so each is called in turn,
    /// without a child task, its scheduling and the wake-up of a thread per fn.
    static func inIdealTiming(_ generated: ExploreCase) -> ExploreCase {
        var ideal = generated
        let timeout = generated.call.options.timeoutMilliseconds
        let places = FnPlace.all(in: generated.call)
        let outlasting = timeout.map { timeout in
            places.contains { place in place.fn(in: generated.call)?.delayMilliseconds.map { $0 >= timeout } ?? false }
        } ?? false
        for place in places {
            guard var fn = place.fn(in: ideal.call) else { continue }
            if let delay = fn.delayMilliseconds, let timeout, delay >= timeout { continue }
            let sequential = !outlasting && fn.isAsync
            guard fn.delayMilliseconds != nil || sequential else { continue }
            fn.delayMilliseconds = nil
            if sequential { fn.isAsync = false }
            place.set(fn, in: &ideal.call)
        }
        if !outlasting { ideal.call.options.timeoutMilliseconds = nil }
        return ideal
    }

    /// The case with every float input moved by `float32Nudge`, in random directions or all
    /// one way (logprobs up, weights and reference logprobs down: the worst case for long sums
    /// such as DPO's rewards), rounded to float32 as every input is.
    static func nudged(_ generated: ExploreCase, direction: Double?, random: inout SeededGenerator) -> ExploreCase {
        var nudged = generated
        // Only the numbers move: a sleep changes no number, so the nudged runs skip them, and
        // the timeout with them (only a success is nudged: no fn of it timed out).
        for place in FnPlace.all(in: nudged.call) {
            guard var fn = place.fn(in: nudged.call), fn.delayMilliseconds != nil else { continue }
            fn.delayMilliseconds = nil
            place.set(fn, in: &nudged.call)
        }
        nudged.call.options.timeoutMilliseconds = nil
        func nudge(_ values: [Double], _ sign: Double) -> [Double] {
            values.map { ($0 * (1 + (direction.map { $0 * sign } ?? random.double(in: -1...1)) * float32Nudge)).float32Rounded }
        }
        for index in nudged.datums.indices {
            nudged.datums[index].logprobs = nudge(nudged.datums[index].logprobs, 1)
            nudged.datums[index].weights = nudged.datums[index].weights.map { nudge($0, -1) }
            nudged.datums[index].refLogprobs = nudged.datums[index].refLogprobs.map { nudge($0, -1) }
        }
        return nudged
    }

    static func outcomeName(_ observation: Observation) -> String {
        switch observation.outcome {
        case .success: return "success"
        case .failure(let error): return error.kind ?? "unclassified error"
        }
    }

    static func specCase(id: String, input: CaseInput, expectation: Expectation, tolerance: ToleranceSettings) -> SpecCase {
        SpecCase(
            id: id, summary: "generated by regspec explore", tags: ["explore"], covers: Coverage(checklist: [], rules: []),
            suite: "explore", location: .start(of: "explore"), input: input, expectation: expectation,
            tolerance: tolerance, declaredRequirements: [])
    }

    /// The reference's observation as a case's expectation: every metric but the backend's own
    /// (`loss:sum`, unless a legacy loss_fn reports it), the gradient it sent, the request counts;
    /// or its error's kind, label and what its message must name. NaN is expected as NaN where
    /// the reference reported one.
    package static func expectation(from observation: Observation, input: CaseInput) -> (Expectation, ToleranceSettings) {
        let here = SourceLocation.start(of: "explore")
        let requests = RequestCounts(forward: observation.forwardRequests.count, backward: observation.backwardRequests.count)
        switch observation.outcome {
        case .failure(let error):
            let pattern = error.kind == nil ? "." : messagePattern(for: error, input: input)
            return (.failure(ErrorExpectation(kind: error.kind, messagePattern: pattern, label: error.label, requests: requests, location: here)), ToleranceSettings())
        case .success(let metrics):
            var sawNaN = false
            let reported = input.call.regularizers.isEmpty ? Set(input.call.lossFn?.metrics.keys ?? []) : []
            let unpinned = backendMetricKeys.subtracting(reported)
            func tree(_ metrics: Metrics, top: Bool) -> ExpectedMetric {
                var children: [(key: String, value: ExpectedMetric)] = []
                for (key, value) in metrics where !(top && unpinned.contains(key)) {
                    switch value {
                    case .number(let number):
                        if number.isNaN { sawNaN = true }
                        children.append((key, .number(number, here)))
                    case .object(let object):
                        children.append((key, tree(object, top: false)))
                    }
                }
                return .object(children, here)
            }
            let expectedMetrics = tree(metrics, top: true)
            let gradient = observation.backwardRequests.first.map { request in
                request.data.map { datum -> ExpectedArray in
                    let weights = datum.lossFnInputs["weights"]
                    if weights?.data.contains(where: \.isNaN) == true { sawNaN = true }
                    return ExpectedArray(values: weights?.data.map { -$0 + 0 } ?? [], shape: weights?.resolvedShape ?? [0], location: here)
                }
            }
            let success = SuccessExpectation(metrics: expectedMetrics, absent: [], gradient: gradient, requests: requests)
            let base = Tolerance(equalNaN: sawNaN)
            return (.success(success), ToleranceSettings(base: base, fields: sensitiveFields(success, base: base)))
        }
    }

    /// An `atol` well below each expected non-zero value the default tolerance cannot tell from 0
    /// (a contribution of weight 1e-12, say), so every check can fail (`SensitivityLint`).
    static func sensitiveFields(_ expected: SuccessExpectation, base: Tolerance) -> [FieldPath: TolerancePatch] {
        var fields: [FieldPath: TolerancePatch] = [:]
        func walk(_ metric: ExpectedMetric, _ path: FieldPath) {
            switch metric {
            case .number(let value, _):
                if SensitivityLint.cannotTellFromZero(value, base) { fields[path] = TolerancePatch(absolute: abs(value) / 1000) }
            case .object(let children, _):
                for child in children { walk(child.value, path.appending(child.key)) }
            }
        }
        if let metrics = expected.metrics { walk(metrics, FieldPath(["metrics"])) }
        let blind = (expected.gradient ?? []).flatMap(\.values).filter { SensitivityLint.cannotTellFromZero($0, base) }
        if let smallest = blind.map(abs).min() { fields[FieldPath(["gradient"])] = TolerancePatch(absolute: smallest / 1000) }
        return fields
    }

    /// What the message must name, as the shipped cases pin it: the entry's index for
    /// `invalid_regularizer`, the datum's for `missing_target_tokens`, both parameters for
    /// `missing_loss`, and the original message of a fn that raised.
    static func messagePattern(for error: ObservedError, input: CaseInput) -> String? {
        switch error.kind {
        case "missing_loss":
            // Anchored: an unanchored lookahead is retried at every position (MessagePattern.lint).
            return "(?is)\\A(?=.*loss_fn)(?=.*regularizers)"
        case "invalid_regularizer":
            guard let index = entryIndex(in: error.message) else { return nil }
            guard let word = problemWord(in: input.call.regularizers, at: index),
                  error.message.lowercased().contains(word.lowercased()) else { return "(?s)\\b\(index)\\b" }
            // Anchored: an unanchored lookahead is retried at every position (MessagePattern.lint).
            return "(?is)\\A(?=.*\\b\(index)\\b)(?=.*\(BoundedRegex.escapedPattern(for: word)))"
        case "missing_target_tokens":
            guard let index = input.data.firstIndex(where: { $0.datum.targetTokens == nil }) else { return nil }
            return "(?s)\\b\(index)\\b"
        case "loss_fn_failed":
            let fn = error.label == "loss_fn" ? input.call.lossFn : input.call.regularizers.first { $0.name == error.label }?.fn
            guard let fn, fn.name == "raises" else { return nil }
            return BoundedRegex.escapedPattern(for: fn.parameters["message"]?.stringValue ?? "regularizer failed")
        default:
            return nil
        }
    }

    /// N of the first `regularizers[N]` in `message` (what `/regularizers\[(\d+)\]/` finds,
    /// without building a `Regex` for every invalid case).
    static func entryIndex(in message: String) -> Int? {
        let scalars = Array(message.utf8)
        let prefix = Array("regularizers[".utf8)
        var start = 0
        while start + prefix.count < scalars.count {
            if scalars[start..<(start + prefix.count)].elementsEqual(prefix) {
                var end = start + prefix.count
                while end < scalars.count, scalars[end] >= UInt8(ascii: "0"), scalars[end] <= UInt8(ascii: "9") { end += 1 }
                if end > start + prefix.count, end < scalars.count, scalars[end] == UInt8(ascii: "]"), end - start - prefix.count <= 18 {
                    return Int(String(decoding: scalars[(start + prefix.count)..<end], as: UTF8.self))
                }
            }
            start += 1
        }
        return nil
    }

    /// What is wrong with entry `index` of `entries`, in the word its message must name
    /// (semantics section 2): `name`, `weight`, `fn`, or the unknown key; nil when the entry
    /// is fine or out of range. An entry's checks run in the order of section 2, so a message
    /// that names a later problem of the same entry (an unknown key beside a missing weight)
    /// reports the wrong one.
    static func problemWord(in entries: [RegularizerEntrySpec], at index: Int) -> String? {
        guard entries.indices.contains(index) else { return nil }
        var seen = Set<ScalarKey>()
        for entry in entries[..<index] {
            if case .value(.string(let name))? = entry.fields["name"] { seen.insert(ScalarKey(name)) }
        }
        let entry = entries[index]
        guard let problem = SpecParser.problem(with: entry, seenNames: seen) else { return nil }
        if problem.hasPrefix("unknown key") { return entry.fields.keys.first { !SpecParser.regularizerKeys.contains($0) } }
        if problem.hasPrefix("the name") { return "name" }
        return SpecParser.regularizerKeys.first { problem.hasPrefix("'\($0)'") }
    }

    /// Metrics the backend's own pass reports; not pinned (semantics section 7).
    static let backendMetricKeys: Set<String> = ["loss:sum"]
}
