/// Shrinks a failing case: tries smaller variants, big steps first, keeps the first that
/// still fails, and starts over from it, until no candidate fails (a local minimum).
///
/// Every candidate is strictly smaller by `ExploreCase.size`, so shrinking ends.
package struct CaseShrinker: Sendable {
    /// At most this many candidates are run; shrinking stops there with what it has.
    package var maximumAttempts: Int

    package init(maximumAttempts: Int = 4000) {
        self.maximumAttempts = maximumAttempts
    }

    package struct Outcome: Sendable {
        package var shrunk: ExploreCase
        /// Candidates that still failed and were kept.
        package var steps: Int
        /// Candidates run.
        package var attempts: Int
    }

    /// - Parameter stillFails: whether a candidate shows the same failure.
    /// - Returns: the smallest case found; a cancelled task (a signal) stops at the one so far.
    package func shrink(_ failing: ExploreCase, stillFails: (ExploreCase) async -> Bool) async -> Outcome {
        var current = failing
        var steps = 0
        var attempts = 0
        var improved = true
        while improved && attempts < maximumAttempts && !Task.isCancelled {
            improved = false
            let size = current.size
            for candidate in Self.candidates(of: current) where candidate.size < size {
                if Task.isCancelled { break }
                attempts += 1
                if await stillFails(candidate) {
                    current = candidate
                    steps += 1
                    improved = true
                    break
                }
                if attempts >= maximumAttempts { break }
            }
        }
        return Outcome(shrunk: current, steps: steps, attempts: attempts)
    }

    /// Smaller variants of `value`, roughly in the order of how much each removes.
    static func candidates(of value: ExploreCase) -> [ExploreCase] {
        var out: [ExploreCase] = []
        let count = value.datums.count
        // Fewer datums: halves first, then one at a time.
        if count >= 4 {
            out.append(keepingDatums(value, Array(0..<(count / 2))))
            out.append(keepingDatums(value, Array((count / 2)..<count)))
        }
        for index in (0..<count).reversed() {
            out.append(keepingDatums(value, (0..<count).filter { $0 != index }))
        }
        // Fewer fns.
        for index in value.call.regularizers.indices.reversed() {
            var copy = value
            copy.call.regularizers.remove(at: index)
            out.append(copy)
        }
        if value.call.lossFn != nil {
            var copy = value
            copy.call.lossFn = nil
            out.append(copy)
        }
        // Shorter sequences, narrower top-K rows.
        for (index, datum) in value.datums.enumerated() where datum.targets != nil {
            for length in Set([1, datum.positions / 2, datum.positions - 1]).sorted() where length >= 1 && length < datum.positions {
                var copy = value
                copy.datums[index] = datum.truncated(positions: length)
                out.append(copy)
            }
            if let width = datum.topK {
                var copy = value
                if width > 1 {
                    copy.datums[index] = datum.truncated(positions: datum.positions, width: 1)
                    out.append(copy)
                }
                // A flat datum: the first candidate of each position.
                copy.datums[index].topK = nil
                out.append(copy)
            }
        }
        // Default options.
        var options = value
        options.call.options = CallOptions()
        options.call.entryPoint = .call
        out.append(options)
        // Plainer fns: sync, no scale, no selection, no extra metrics, default parameters, `sum`.
        for place in FnPlace.all(in: value.call) {
            guard let fn = place.fn(in: value.call) else { continue }
            var variants: [FnSpec] = []
            if fn.isAsync {
                var plain = fn
                plain.isAsync = false
                plain.delayMilliseconds = nil
                variants.append(plain)
            }
            if fn.delayMilliseconds != nil {
                var plain = fn
                plain.delayMilliseconds = nil
                variants.append(plain)
            }
            if fn.scale != nil {
                var plain = fn
                plain.scale = nil
                variants.append(plain)
            }
            if fn.datums != nil {
                var plain = fn
                plain.datums = nil
                variants.append(plain)
            }
            if !fn.metrics.isEmpty {
                var plain = fn
                plain.metrics = [:]
                variants.append(plain)
            }
            for key in fn.parameters.keys {
                var plain = fn
                plain.parameters.removeValue(forKey: key)
                variants.append(plain)
            }
            if fn.name != "sum" && !["raises", "non_scalar", "bad_metrics"].contains(fn.name) {
                var plain = fn
                plain.name = "sum"
                plain.parameters = [:]
                variants.append(plain)
            }
            for number in [fn.scale].compactMap({ $0 }) {
                for simpler in simplerNumbers(number) {
                    var plain = fn
                    plain.scale = simpler
                    variants.append(plain)
                }
            }
            for (key, parameter) in fn.parameters {
                guard let number = parameter.doubleValue else { continue }
                for simpler in simplerNumbers(number) {
                    var plain = fn
                    plain.parameters[key] = .number(simpler)
                    variants.append(plain)
                }
            }
            for variant in variants {
                var copy = value
                place.set(variant, in: &copy.call)
                out.append(copy)
            }
        }
        // Plain ASCII names.
        let taken = Set(value.call.regularizers.compactMap(\.name).map { Array($0.unicodeScalars) })
        for index in value.call.regularizers.indices {
            guard case .value(.string)? = value.call.regularizers[index].fields["name"] else { continue }
            let plain = "r\(index)"
            guard !taken.contains(Array(plain.unicodeScalars)) else { continue }
            var copy = value
            copy.call.regularizers[index].fields["name"] = .value(.string(plain))
            out.append(copy)
        }
        // Simpler numbers: whole arrays first, then one value at a time.
        for index in value.call.regularizers.indices {
            guard case .value(.number(let weight))? = value.call.regularizers[index].fields["weight"] else { continue }
            for simpler in simplerNumbers(weight) {
                var copy = value
                copy.call.regularizers[index].fields["weight"] = .value(.number(simpler))
                out.append(copy)
            }
        }
        for (index, datum) in value.datums.enumerated() {
            for path in [\ExploreDatum.logprobs] {
                out += simplerArrays(datum[keyPath: path]).map { values in
                    var copy = value
                    copy.datums[index][keyPath: path] = values
                    return copy
                }
            }
            for path in [\ExploreDatum.weights, \ExploreDatum.refLogprobs] {
                guard let array = datum[keyPath: path] else { continue }
                var dropped = value
                dropped.datums[index][keyPath: path] = nil
                out.append(dropped)
                out += simplerArrays(array).map { values in
                    var copy = value
                    copy.datums[index][keyPath: path] = values
                    return copy
                }
            }
        }
        return out
    }

    /// An integer, then a multiple of 1/2, when simpler than `number`.
    static func simplerNumbers(_ number: Double) -> [Double] {
        guard number.isFinite else { return [] }
        let complexity = ExploreCase.complexity(number)
        var out: [Double] = []
        let integer = number.rounded() + 0
        if complexity > 0 { out.append(integer) }
        // When the nearest integer is 0, which often hides the failure, the nearest non-zero one.
        if complexity > 0 && integer == 0 { out.append(number < 0 ? -1 : 1) }
        let half = (2 * number).rounded() / 2 + 0
        if complexity > 1 && half != integer { out.append(half) }
        return out
    }

    /// The whole array with simpler numbers, then each element alone.
    static func simplerArrays(_ values: [Double]) -> [[Double]] {
        var out: [[Double]] = []
        let roundings: [(Double) -> Double] = [
            { $0.rounded() + 0 }, { $0.rounded() == 0 && $0 != 0 ? ($0 < 0 ? -1 : 1) : $0.rounded() + 0 }, { (2 * $0).rounded() / 2 + 0 },
        ]
        for rounding in roundings {
            let all = values.map { $0.isFinite ? rounding($0) : $0 }
            if all != values && !out.contains(all) { out.append(all) }
        }
        for index in values.indices {
            for simpler in simplerNumbers(values[index]) {
                var copy = values
                copy[index] = simpler
                out.append(copy)
            }
        }
        return out
    }

    /// The case with only the datums at `kept` (in order); fn selections follow the datums.
    static func keepingDatums(_ value: ExploreCase, _ kept: [Int]) -> ExploreCase {
        var copy = value
        copy.datums = kept.map { value.datums[$0] }
        let newIndex = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        for place in FnPlace.all(in: value.call) {
            guard var fn = place.fn(in: value.call), let selection = fn.datums else { continue }
            let remapped = selection.compactMap { newIndex[$0] }
            fn.datums = remapped.isEmpty ? nil : remapped
            place.set(fn, in: &copy.call)
        }
        return copy
    }
}

/// Where a fn sits in a call: the base loss, or regularizer `index`'s `fn`.
enum FnPlace {
    case lossFn
    case regularizer(Int)

    static func all(in call: CallSpec) -> [FnPlace] {
        (call.lossFn == nil ? [] : [.lossFn]) + call.regularizers.indices.map { .regularizer($0) }
    }

    func fn(in call: CallSpec) -> FnSpec? {
        switch self {
        case .lossFn: return call.lossFn
        case .regularizer(let index): return call.regularizers[index].fn
        }
    }

    func set(_ fn: FnSpec, in call: inout CallSpec) {
        switch self {
        case .lossFn: call.lossFn = fn
        case .regularizer(let index): call.regularizers[index].fields["fn"] = .fn(fn)
        }
    }
}
