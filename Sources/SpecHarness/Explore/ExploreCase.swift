import OrderedCollections
import TinkerWire

/// A generated call: the data the fake backend serves and the call made on it.
///
/// Kept apart from `CaseInput` so the shrinker can edit datums row by row (tokens, targets,
/// logprobs and inputs together) and remap fn selections when a datum goes.
package struct ExploreCase: Sendable {
    package var datums: [ExploreDatum]
    package var call: CallSpec
    /// What the generator meant: a valid call, or the error kind it set out to provoke.
    package var intent: String

    /// The case as engines run it.
    package func input(id: String) -> CaseInput {
        CaseInput(id: id, data: datums.map(\.caseDatum), call: call)
    }

    /// The least time an engine takes on this case for its fns' delays, in milliseconds: the
    /// longest delay of an async fn (a sync fn never sleeps), cut at the call's timeout.
    var leastSleepMilliseconds: Double {
        let timeout = call.options.timeoutMilliseconds ?? .infinity
        var longest = 0.0
        func consider(_ fn: FnSpec?) {
            guard let fn, fn.isAsync, let delay = fn.delayMilliseconds else { return }
            longest = max(longest, min(delay, timeout))
        }
        consider(call.lossFn)
        for entry in call.regularizers { consider(entry.fn) }
        return longest
    }

    /// A measure of size the shrinker only ever lowers: datums, positions, fns, options, digits.
    package var size: Int {
        var total = datums.count * 1000
        for datum in datums {
            total += datum.logprobs.count * 10
            total += (datum.logprobs + (datum.weights ?? []) + (datum.refLogprobs ?? [])).map(Self.complexity).reduce(0, +)
            if datum.weights != nil { total += 5 }
            if datum.topK != nil { total += 5 }
            if datum.refLogprobs != nil { total += 5 }
        }
        total += call.regularizers.count * 500
        for entry in call.regularizers {
            total += entry.fields.count * 20
            for (key, field) in entry.fields {
                switch field {
                case .fn(let fn): total += Self.size(of: fn)
                case .value(.number(let number)) where key == "weight": total += Self.complexity(number)
                case .value(.string(let name)) where key == "name": total += Self.nameComplexity(name)
                case .value: break
                }
            }
        }
        if let lossFn = call.lossFn { total += 300 + Self.size(of: lossFn) }
        if call.options.trackGradNorms { total += 50 }
        if call.options.timeoutMilliseconds != nil { total += 50 }
        if call.options.maxConcurrency != nil { total += 50 }
        if call.entryPoint != .call { total += 50 }
        return total
    }

    static func size(of fn: FnSpec) -> Int {
        var total = fn.name == "sum" ? 0 : 10
        if fn.isAsync { total += 40 }
        if let delay = fn.delayMilliseconds { total += 20 + Int(min(delay, 1e6)) }
        if let scale = fn.scale { total += 30 + complexity(scale) }
        if let datums = fn.datums { total += 30 + datums.count }
        total += fn.metrics.count * 30
        total += fn.parameters.count * 30
        for value in fn.parameters.values { if let number = value.doubleValue { total += complexity(number) } }
        return total
    }

    /// 0 for integers, 1 for halves, 3 for anything else, so simpler numbers are smaller.
    static func complexity(_ number: Double) -> Int {
        guard number.isFinite else { return 3 }
        if number == number.rounded() { return 0 }
        if 2 * number == (2 * number).rounded() { return 1 }
        return 3
    }

    /// Plain ASCII names are simpler than dotted or Unicode ones.
    static func nameComplexity(_ name: String) -> Int {
        name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) } ? name.unicodeScalars.count : 10 + name.unicodeScalars.count
    }
}

/// One datum: `positions` rows of `width` targets (width 1 with `isTopK` false is a flat `[T]` datum).
package struct ExploreDatum: Sendable, Equatable {
    package var tokens: [Int]
    /// Nil for a datum without `target_tokens` (how `missing_target_tokens` is provoked).
    package var targets: [Int]?
    /// Candidates per position of a `[T, K]` datum; nil for a flat `[T]` datum.
    package var topK: Int?
    /// Flat, row-major; float32-representable, so every precision model serves the same values.
    package var logprobs: [Double]
    package var weights: [Double]?
    package var refLogprobs: [Double]?

    package var positions: Int { tokens.count }

    var targetShape: [Int] {
        topK.map { [tokens.count, $0] } ?? [tokens.count]
    }

    var caseDatum: CaseDatum {
        // One shape for every input, and room for all three at once.
        let shape = targetShape
        var inputs = [String: TensorData](minimumCapacity: 3)
        if let targets { inputs["target_tokens"] = TensorData(tokens: targets, shape: shape) }
        if let weights { inputs["weights"] = TensorData(floats: weights, shape: shape) }
        if let refLogprobs { inputs["ref_logprobs"] = TensorData(floats: refLogprobs, shape: shape) }
        return CaseDatum(datum: Datum(modelInput: .fromInts(tokens), lossFnInputs: inputs), logprobs: logprobs)
    }

    /// The datum cut to its first `count` positions (and first `width` candidates of a top-K datum).
    func truncated(positions count: Int, width: Int? = nil) -> ExploreDatum {
        let oldWidth = topK ?? 1
        let newWidth = topK == nil ? 1 : min(width ?? oldWidth, oldWidth)
        func cut<T>(_ values: [T]) -> [T] {
            (0..<count).flatMap { row in (0..<newWidth).map { values[row * oldWidth + $0] } }
        }
        var copy = self
        copy.tokens = Array(tokens.prefix(count))
        copy.targets = targets.map(cut)
        copy.logprobs = targets == nil ? logprobs : cut(logprobs)
        copy.weights = weights.map(cut)
        copy.refLogprobs = refLogprobs.map(cut)
        if topK != nil { copy.topK = newWidth }
        return copy
    }
}

extension Double {
    /// The nearest float32 value, as a Double: what a float32 tensor holds.
    var float32Rounded: Double { Double(Float(self)) }
}
