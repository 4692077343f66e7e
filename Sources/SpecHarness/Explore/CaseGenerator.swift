#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import OrderedCollections
import TinkerWire

/// The C library's `log`, by name no declaration here shadows.
@inline(__always) private func libcLog(_ x: Double) -> Double { log(x) }

/// Draws random calls from a seed: valid ones in every mix the catalogue allows, and at a set
/// rate invalid ones, one error kind of semantics section 11 at a time.
///
/// Only what the engine announced is drawn: no async fn without `async`, no option without its
/// capability, no legacy call without `legacy`, no invalid call without `error_kinds`.
package struct CaseGenerator: Sendable {
    package var capabilities: Set<Capability>
    /// The share of cases that are invalid calls on purpose.
    package var invalidRate: Double

    package init(capabilities: Set<Capability>, invalidRate: Double = 0.2) {
        self.capabilities = capabilities
        self.invalidRate = invalidRate
    }

    /// The error kinds an invalid case may aim at, given the capabilities.
    package var errorKinds: [String] {
        guard has(Capability.errorKinds) else { return [] }
        var kinds = ["missing_loss", "empty_data", "missing_target_tokens", "loss_fn_failed"]
        if has(Capability.structured) {
            kinds += ["invalid_regularizer", "invalid_regularizer", "invalid_regularizer", "non_scalar_loss",
                      "non_finite_loss", "non_finite_gradient", "invalid_metrics"]
        }
        if has(Capability.legacy) { kinds.append("no_gradient") }
        if has(Capability.structured) && has(Capability.async) && has(Capability.timeouts) { kinds.append("timeout") }
        return kinds
    }

    func has(_ capability: Capability) -> Bool { capabilities.contains(capability) }

    /// Case `number` of the run with `seed`; the same arguments give the same case.
    package func generate(seed: UInt64, caseNumber: Int) -> ExploreCase {
        var random = SeededGenerator(seed: seed, caseNumber: caseNumber)
        let kinds = errorKinds
        if !kinds.isEmpty && random.chance(invalidRate) {
            return invalidCase(kind: random.pick(kinds), random: &random)
        }
        return validCase(random: &random)
    }

    // MARK: - Valid calls

    func validCase(random: inout SeededGenerator) -> ExploreCase {
        let datums = Self.datums(random: &random)
        let legacy = has(Capability.legacy) && (!has(Capability.structured) || random.chance(0.15))
        var call = CallSpec(lossFn: nil, regularizers: [], options: CallOptions(), entryPoint: .call)
        if legacy {
            call.lossFn = fn(for: datums, random: &random, legacy: true)
        } else {
            if random.chance(0.6) { call.lossFn = fn(for: datums, random: &random, legacy: false) }
            let count = random.pick([1, 1, 2, 2, 2, 3, 3, 4, 5])
            let names = Self.names(count: count, random: &random)
            for name in names {
                call.regularizers.append(entry(name: name, weight: Self.weight(random: &random),
                                               fn: fn(for: datums, random: &random, legacy: false)))
            }
        }
        call.options = options(random: &random)
        if !legacy && canDrawTimeoutClock && random.chance(Self.timeoutClockRate) {
            drawTimeoutClockTimings(&call, datums: datums, random: &random)
        }
        if has(Capability.future) && random.chance(0.15) { call.entryPoint = .future }
        Self.dropLoneDelays(&call)
        return ExploreCase(datums: datums, call: call, intent: "success")
    }

    /// The timeout of `drawTimeoutClockTimings`: long enough that a fn sleeping
    /// `timeoutClockSleepShare` of it ends well within it on a loaded machine (70 ms to spare;
    /// the reference does not sleep). 28 ms to spare was not enough: a 2-core machine with
    /// two busy loops beside its load woke a 12 ms sleeper after more than 40 ms.
    static let timeoutClockMilliseconds = 100.0
    /// Each sleeping fn of the timeout clock sleeps this share of the timeout, in
    /// `timeoutClockWaves` waves: the call lasts 1.2 timeouts, each fn 0.3 of one. Four short
    /// waves leave each fn more to spare for the time the call takes than two long ones did
    /// (0.7 timeouts instead of 0.4), so the timeout, and the call, can be shorter.
    static let timeoutClockSleepShare = 0.3
    static let timeoutClockWaves = 4
    /// How often a valid structured call gets the timeout clock's shape: `max_concurrency` k
    /// and more async fns than k, which also shows the order and queueing of fns.
    static let timeoutClockRate = 0.04
    /// The share of those whose fns sleep: such a case sleeps 1.2 timeouts (120 ms), more than
    /// a hundred plain cases take, so a sixteenth (an eighth cost explore against one serve
    /// about a third of its rate; a thirty-second no longer finds a per-call deadline within
    /// 500 cases of seed 1). The others sleep a tenth of a millisecond, enough to hold their
    /// slots.
    static let timeoutClockSleepingShare = 0.0625
    /// A valid call's async fn sleeps 1 to 3 of these: enough to finish out of list order.
    /// The reference skips every sleep within the timeout (`DifferentialCheck.inIdealTiming`),
    /// so how late a loaded machine wakes a fn changes no expected outcome, only which fn the
    /// engine sees finish first.
    static let fnDelayUnitMilliseconds = 0.1
    /// The invalid `timeout` case: a fn sleeping `timeoutCaseDelay` under `timeoutCaseLimit`.
    /// Every other fn of the call is sync, and a sync fn is never timed out (semantics section
    /// 12), so no load can make another fn outlast the limit, and the limit can be short.
    static let timeoutCaseLimitMilliseconds = 5.0
    static let timeoutCaseDelayMilliseconds = 500.0
    /// `firstFailureInTime` cases: the earlier fns sleep this long, the later failure less.
    static let slowEarlierFnMilliseconds = 2.0

    /// A sleep shows something only beside another async fn (which one ends first): a call
    /// with one sleeping async fn runs it without the sleep.
    static func dropLoneDelays(_ call: inout CallSpec) {
        let asyncFns = (call.lossFn?.isAsync == true ? 1 : 0) + call.regularizers.count { $0.fn?.isAsync == true }
        guard asyncFns < 2 else { return }
        dropDelays(&call)
    }

    static func dropDelays(_ call: inout CallSpec) {
        for place in FnPlace.all(in: call) {
            guard var fn = place.fn(in: call), fn.delayMilliseconds != nil else { continue }
            fn.delayMilliseconds = nil
            place.set(fn, in: &call)
        }
    }

    var canDrawTimeoutClock: Bool {
        has(Capability.structured) && has(Capability.async) && has(Capability.timeouts) && has(Capability.maxConcurrency)
    }

    /// Timings only the timeout clock of semantics section 12 passes: `max_concurrency` k and
    /// 3k+1 async fns, each sleeping 30 % of the timeout, so the last starts after three waves.
    /// Each ends within the timeout counted from its own start, while the call as a whole
    /// outlasts it (the fns wait for a slot), so an engine with a per-call deadline, or one that
    /// counts the wait for a slot, reports `timeout` where the reference succeeds.
    func drawTimeoutClockTimings(_ call: inout CallSpec, datums: [ExploreDatum], random: inout SeededGenerator) {
        let limit = random.pick([1, 1, 2])
        let slow = (Self.timeoutClockWaves - 1) * limit + 1
        var names = Set(call.regularizers.compactMap(\.name).map { Array($0.unicodeScalars) })
        var next = 1
        while FnPlace.all(in: call).count < slow {
            var name = "slow_\(next)"
            while names.contains(Array(name.unicodeScalars)) {
                next += 1
                name = "slow_\(next)"
            }
            names.insert(Array(name.unicodeScalars))
            call.regularizers.append(entry(name: name, weight: Self.weight(random: &random), fn: fn(for: datums, random: &random, legacy: false)))
        }
        let slowPlaces = FnPlace.all(in: call).shuffled(using: &random).prefix(slow)
        let sleeps = random.chance(Self.timeoutClockSleepingShare)
        for place in slowPlaces {
            guard var fn = place.fn(in: call) else { continue }
            fn.isAsync = true
            fn.delayMilliseconds = sleeps ? Self.timeoutClockSleepShare * Self.timeoutClockMilliseconds : Self.fnDelayUnitMilliseconds
            place.set(fn, in: &call)
        }
        call.options.maxConcurrency = limit
        // Without the long sleeps the timeout would test nothing: the call keeps its own options'.
        // Any other async fn sleeps at most 0.3 ms, far below the timeout.
        if sleeps { call.options.timeoutMilliseconds = Self.timeoutClockMilliseconds }
    }

    /// 1 to 8 datums of 1 to 64 positions, a quarter of them `[T, K]` top-K datums; every datum
    /// carries weights and reference logprobs, so every catalogue fn can read it.
    static func datums(random: inout SeededGenerator) -> [ExploreDatum] {
        let count = [1, 2, 3, 4, 5, 6, 7, 8][random.weighted([4, 5, 3, 3, 2, 1, 1, 1])]
        return (0..<count).map { _ in datum(random: &random) }
    }

    /// A flat datum's weight: one of these, or (the seventh pick) a draw in 0...2.
    static let plainWeights: [Double] = [0.0, 0.5, 1.0, 1.0, 1.0, 2.0]

    /// Draws in the same order as ever (a seed keeps its cases), into arrays sized once: no
    /// array per position or candidate row.
    static func datum(random: inout SeededGenerator, topK forced: Bool? = nil) -> ExploreDatum {
        let isTopK = forced ?? random.chance(0.25)
        let positions: Int
        switch random.weighted([6, 3, 1]) {
        case 0: positions = random.int(in: 1...8)
        case 1: positions = random.int(in: 9...32)
        default: positions = random.int(in: 33...64)
        }
        var tokens: [Int] = []
        tokens.reserveCapacity(positions)
        for _ in 0..<positions { tokens.append(random.int(in: 0...50_000)) }
        if isTopK {
            let width = random.int(in: 2...5)
            var targets: [Int] = []
            var logprobs: [Double] = []
            var teacher: [Double] = []
            targets.reserveCapacity(positions * width)
            logprobs.reserveCapacity(positions * width)
            teacher.reserveCapacity(positions * width)
            for _ in 0..<positions {
                for _ in 0..<width { targets.append(random.int(in: 0...50_000)) }
                appendProbabilities(width, to: &logprobs, random: &random) { libcLog($0).float32Rounded }
                appendProbabilities(width, to: &teacher, random: &random) { $0.float32Rounded }
            }
            let ref = logprobs.map { ($0 + 0.3 * random.normal()).float32Rounded }
            return ExploreDatum(tokens: tokens, targets: targets, topK: width, logprobs: logprobs, weights: teacher, refLogprobs: ref)
        }
        var targets: [Int] = []
        targets.reserveCapacity(positions)
        targets += tokens.dropFirst()
        targets.append(random.int(in: 0...50_000))
        let logprobs = (0..<positions).map { _ in logprob(random: &random) }
        var weights: [Double] = []
        weights.reserveCapacity(positions)
        for _ in 0..<positions {
            // The draw in 0...2 comes before the pick, as when it was the list's last element.
            let drawn = random.double(in: 0...2).float32Rounded
            let index = random.int(in: 0...plainWeights.count)
            weights.append(index < plainWeights.count ? plainWeights[index] : drawn)
        }
        let ref = logprobs.map { min(0, $0 + 0.5 * random.normal()).float32Rounded }
        return ExploreDatum(tokens: tokens, targets: targets, topK: nil, logprobs: logprobs, weights: weights, refLogprobs: ref)
    }

    /// Realistic logprobs: mostly a few nats below 0, some near 0, some very negative.
    static func logprob(random: inout SeededGenerator) -> Double {
        let value: Double
        switch random.weighted([55, 20, 12, 13]) {
        case 0: value = -random.double(in: 0.05...4)
        case 1: value = -random.double(in: 0...1e-3)
        case 2: value = -random.double(in: 10...40)
        default: value = random.pick([-1.0, -0.5, -2.0, -0.25, -3.0])
        }
        return value.float32Rounded
    }

    /// `count` positive probabilities that sum to less than 1 (the rest is the other tokens).
    /// `probabilities(count)` mapped through `transform` onto `values`, without the arrays:
    /// the same draws, the same sum in the same order.
    static func appendProbabilities(_ count: Int, to values: inout [Double], random: inout SeededGenerator, _ transform: (Double) -> Double) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: count + 1) { raw in
            var total = 0.0
            for index in 0...count {
                raw[index] = random.double(in: 0.05...1)
                total += raw[index]
            }
            for index in 0..<count { values.append(transform(raw[index] / total)) }
        }
    }

    /// Distinct regularizer names: ASCII, dotted and Unicode, distinct as sequences of scalars.
    static func names(count: Int, random: inout SeededGenerator) -> [String] {
        let ascii = ["l2", "kl", "entropy", "reg", "penalty_1", "mean_lp", "x", "KL"]
        let dotted = ["kl.k3", "reg.l2", "a.b.c", "sdft.reverse_kl", ".lead", "trail."]
        let unicode = ["café", "cafe\u{301}", "正则", "λ_reg", "🔥loss", "Ωmega", "naïve.kl"]
        var chosen: [String] = []
        while chosen.count < count {
            var name: String
            switch random.weighted([5, 2, 3]) {
            case 0: name = random.pick(ascii)
            case 1: name = random.pick(dotted)
            default: name = random.pick(unicode)
            }
            if random.chance(0.2) { name += String(random.int(in: 0...99)) }
            if !chosen.contains(where: { $0.unicodeScalars.elementsEqual(name.unicodeScalars) }) {
                chosen.append(name)
            }
        }
        return chosen
    }

    /// A regularizer weight, with the edge values drawn often.
    static func weight(random: inout SeededGenerator) -> JSONValue {
        switch random.weighted([6, 1, 1, 1, 2, 1, 1, 1, 2]) {
        case 0: return .number(random.pick([0.1, 0.5, 1.0, 2.0, 0.01, random.double(in: 0...3)]))
        case 1: return .integer(0)
        case 2: return .number(0.0)
        case 3: return .number(-0.0)
        case 4: return .number(-random.pick([0.5, 1.0, 0.1, random.double(in: 0...2)]))
        case 5: return .number(1e-12)
        case 6: return .number(1e6)
        case 7: return .integer(random.pick([1, 2, -1, 3]))
        default: return .number(random.double(in: -2...2))
        }
    }

    static func entry(name: JSONValue?, weight: JSONValue?, fn: FnSpec?) -> RegularizerEntrySpec {
        var fields = ScalarKeyedDictionary<RegularizerEntrySpec.Field>()
        if let name { fields["name"] = .value(name) }
        if let weight { fields["weight"] = .value(weight) }
        if let fn { fields["fn"] = .fn(fn) }
        return RegularizerEntrySpec(fields: fields, location: .start(of: "explore"))
    }

    func entry(name: String, weight: JSONValue, fn: FnSpec) -> RegularizerEntrySpec {
        Self.entry(name: .string(name), weight: weight, fn: fn)
    }

    /// The custom metric keys a fn may report; a legacy fn may also report the backend's own.
    static let metricKeys = ["custom_metric", "acc:mean", "sdft/x", "count:sum", "flag", "self"]
    static let legacyMetricKeys = metricKeys + ["loss:sum"]

    /// A catalogue fn the data can serve, with random common options and parameters.
    ///
    /// In legacy mode the fn must reach every datum (else `no_gradient`), so no selection and
    /// no constant.
    func fn(for datums: [ExploreDatum], random: inout SeededGenerator, legacy: Bool) -> FnSpec {
        var names = ["sum", "mean", "mean_of_means", "sum_of_squares", "variance", "weighted_nll", "kl_to_reference", "dpo"]
        if !legacy { names.append("constant") }
        let topK = datums.indices.filter { datums[$0].topK != nil }
        if !topK.isEmpty && (!legacy || topK.count == datums.count) { names += ["reverse_kl_topk", "reverse_kl_topk"] }
        if datums.count < 2 || (legacy && datums.count % 2 == 1) { names.removeAll { $0 == "dpo" } }
        var spec = FnSpec(name: random.pick(names), location: .start(of: "explore"))
        switch spec.name {
        case "weighted_nll":
            if random.chance(0.4) { spec.parameters["normalize"] = .bool(random.chance(0.5)) }
        case "kl_to_reference":
            if random.chance(0.7) { spec.parameters["estimator"] = .string(random.pick(["k1", "k2", "k3"])) }
        case "dpo":
            if random.chance(0.7) { spec.parameters["beta"] = .number(random.pick([0.1, 0.5, 2.0, 1.0])) }
        case "constant":
            spec.parameters["value"] = .number(random.pick([0.0, 1.0, -2.5, 1e-3, 42.0]))
        default:
            break
        }
        // A selection: required for reverse_kl_topk when some datums are flat, even for dpo.
        if spec.name == "reverse_kl_topk" {
            if topK.count != datums.count { spec.datums = topK.shuffled(using: &random) }
        } else if spec.name == "dpo" {
            if !legacy && (datums.count % 2 == 1 || random.chance(0.25)) {
                let pairs = random.int(in: 1...(datums.count / 2))
                spec.datums = Array(datums.indices.shuffled(using: &random).prefix(2 * pairs))
            }
        } else if !legacy && random.chance(0.25) {
            var selection = Array(datums.indices.shuffled(using: &random).prefix(random.int(in: 1...datums.count)))
            if random.chance(0.1), let first = selection.first { selection.append(first) }
            spec.datums = selection
        }
        if has(Capability.async) && random.chance(0.3) {
            spec.isAsync = true
            if random.chance(0.5) { spec.delayMilliseconds = Double(random.int(in: 1...3)) * Self.fnDelayUnitMilliseconds }
        }
        if random.chance(0.2) { spec.scale = random.pick([2.0, -1.0, 0.5, 1e-3, 10.0, 3.0]) }
        // Legacy mode keeps a non-finite loss (no error): a scale that overflows it now and then.
        if legacy && random.chance(0.04) { spec.scale = 1e308 }
        if random.chance(0.25) {
            for _ in 0..<random.int(in: 1...2) {
                let key = random.pick(legacy ? Self.legacyMetricKeys : Self.metricKeys)
                // Both candidates are drawn before the pick, as when they were a list's elements.
                let flag = random.chance(0.5)
                let number = random.pick([0.0, 1.5, -3.0, .nan, .infinity, 1e-7])
                switch random.weighted([2, 1, 3]) {
                case 0: spec.metrics[key] = .ownLoss
                case 1: spec.metrics[key] = .bool(flag)
                default: spec.metrics[key] = .number(number)
                }
            }
        }
        return spec
    }

    /// The section 12 options the engine announces, each now and then; a timeout far above
    /// every delay, so it never fires on a valid call.
    func options(random: inout SeededGenerator) -> CallOptions {
        var options = CallOptions()
        if has(Capability.gradNorms) && random.chance(0.2) { options.trackGradNorms = true }
        if has(Capability.maxConcurrency) && random.chance(0.15) { options.maxConcurrency = random.pick([1, 2, 4]) }
        if has(Capability.timeouts) && random.chance(0.15) { options.timeoutMilliseconds = 5000 }
        return options
    }

    // MARK: - Invalid calls

    func invalidCase(kind: String, random: inout SeededGenerator) -> ExploreCase {
        var base = validCase(random: &random)
        let legacyFriendly: Set<String> = ["missing_loss", "no_gradient", "empty_data", "missing_target_tokens", "loss_fn_failed"]
        if has(Capability.structured) && base.call.regularizers.isEmpty && !legacyFriendly.contains(kind) {
            base = structuredCase(from: base, random: &random)
        }
        base.intent = kind
        var call = base.call
        switch kind {
        case "missing_loss":
            call.lossFn = nil
            call.regularizers = []
        case "empty_data":
            base.datums = []
            call = stripSelections(call)
        case "missing_target_tokens":
            let index = random.int(in: 0...(base.datums.count - 1))
            base.datums[index].targets = nil
            base.datums[index].topK = nil
            base.datums[index].logprobs = []
            base.datums[index].weights = nil
            base.datums[index].refLogprobs = nil
        case "invalid_regularizer":
            call.regularizers = malformed(call.regularizers, random: &random)
        case "non_scalar_loss":
            var fn = FnSpec(name: "non_scalar", location: .start(of: "explore"))
            if base.datums.count == 1 && base.datums[0].logprobs.count == 1 { base.datums.append(Self.datum(random: &random)) }
            fn.isAsync = has(Capability.async) && random.chance(0.3)
            place(fn, in: &call, random: &random)
        case "non_finite_loss":
            var fn = FnSpec(name: "constant", location: .start(of: "explore"))
            let overflow = random.chance(0.5)
            fn.parameters["value"] = .number(overflow ? 1e303 : random.pick([Double.nan, .infinity, -.infinity]))
            if overflow {
                call.regularizers.append(entry(name: "overflow", weight: .number(1e6), fn: fn))
            } else {
                place(fn, in: &call, random: &random)
            }
        case "non_finite_gradient":
            var fn = FnSpec(name: random.pick(["sum", "sum_of_squares"]), location: .start(of: "explore"))
            fn.scale = 1e39
            call.regularizers.append(entry(name: "huge", weight: .number(random.pick([1.0, 1e6])), fn: fn))
        case "invalid_metrics":
            var fn = FnSpec(name: "bad_metrics", location: .start(of: "explore"))
            fn.parameters["type"] = .string(random.pick(["string", "list", "none", "tensor"]))
            place(fn, in: &call, random: &random)
        case "loss_fn_failed":
            var fn: FnSpec
            switch random.int(in: 0...2) {
            case 0:
                fn = FnSpec(name: "raises", location: .start(of: "explore"))
                fn.parameters["message"] = .string(random.pick(["boom", "regularizer failed", "división por cero"]))
            case 1:
                fn = FnSpec(name: "weighted_nll", location: .start(of: "explore"))
                let index = random.int(in: 0...(base.datums.count - 1))
                base.datums[index].weights = nil
            default:
                fn = FnSpec(name: "reverse_kl_topk", location: .start(of: "explore"))
                if let flat = base.datums.firstIndex(where: { $0.topK == nil }) {
                    fn.datums = [flat]
                } else {
                    base.datums.append(Self.datum(random: &random, topK: false))
                    fn.datums = [base.datums.count - 1]
                }
            }
            fn.isAsync = has(Capability.async) && random.chance(0.3)
            if call.regularizers.isEmpty {
                call.lossFn = fn
            } else {
                place(fn, in: &call, random: &random)
            }
        case "no_gradient":
            call.regularizers = []
            var fn = FnSpec(name: "constant", location: .start(of: "explore"))
            if random.chance(0.5) || base.datums.count == 1 {
                fn.parameters["value"] = .number(random.pick([1.0, 0.0, 2.5]))
            } else {
                fn.name = "sum"
                fn.datums = [random.int(in: 0...(base.datums.count - 1))]
            }
            call.lossFn = fn
        case "timeout":
            var fn = FnSpec(name: "sum", location: .start(of: "explore"))
            fn.isAsync = true
            fn.delayMilliseconds = Self.timeoutCaseDelayMilliseconds
            call.options.timeoutMilliseconds = Self.timeoutCaseLimitMilliseconds
            // Only this fn sleeps, and only it stays async (leaveOnlyTheSleeperAsync).
            for other in FnPlace.all(in: call) {
                guard var otherFn = other.fn(in: call), otherFn.delayMilliseconds != nil else { continue }
                otherFn.delayMilliseconds = nil
                other.set(otherFn, in: &call)
            }
            place(fn, in: &call, random: &random)
        default:
            break
        }
        if random.chance(0.35) { addSecondProblem(after: kind, to: &base, call: &call, random: &random) }
        if kind == "timeout" { Self.leaveOnlyTheSleeperAsync(&call) }
        base.call = call
        return base
    }

    /// A second problem in the same call, so the order of the checks and of the fns decides
    /// which error is reported (semantics sections 2 and 4): a later validation failure, or
    /// another failing fn, sometimes one that fails sooner in time than the first.
    private func addSecondProblem(after kind: String, to base: inout ExploreCase, call: inout CallSpec, random: inout SeededGenerator) {
        switch kind {
        case "missing_loss", "invalid_regularizer":
            if random.chance(0.5) {
                base.datums = []
                call = stripSelections(call)
            } else if let index = base.datums.indices.randomElement(using: &random) {
                base.datums[index] = ExploreDatum(tokens: base.datums[index].tokens, targets: nil, topK: nil, logprobs: [], weights: nil, refLogprobs: nil)
            }
            if kind == "invalid_regularizer" && !call.regularizers.isEmpty && random.chance(0.8) {
                // A second malformed entry, or an unknown key beside the first problem (the key
                // check comes last within an entry), or in another entry.
                let broken = call.regularizers.indices.first { SpecParser.problem(with: call.regularizers[$0], seenNames: []) != nil }
                let index = random.chance(0.5) ? broken ?? 0 : random.int(in: 0...(call.regularizers.count - 1))
                if random.chance(0.5) {
                    call.regularizers[index].fields[random.pick(["scale", "weights"])] = .value(.number(1))
                } else {
                    call.regularizers = malformed(call.regularizers, random: &random)
                }
            }
        case "empty_data":
            if random.chance(0.5) { call.regularizers = malformed(call.regularizers.isEmpty ? [entry(name: "r", weight: 1, fn: FnSpec(name: "sum"))] : call.regularizers, random: &random) }
        case "missing_target_tokens":
            if let index = base.datums.indices.randomElement(using: &random) {
                base.datums[index] = ExploreDatum(tokens: base.datums[index].tokens, targets: nil, topK: nil, logprobs: [], weights: nil, refLogprobs: nil)
            }
        case "loss_fn_failed", "non_scalar_loss", "invalid_metrics", "non_finite_loss", "timeout":
            guard has(Capability.structured) else { return }
            var second = FnSpec(name: "raises", location: .start(of: "explore"))
            second.parameters["message"] = .string("second failure")
            if has(Capability.async) && random.chance(0.5) {
                second.isAsync = true
                second.delayMilliseconds = random.pick([0, 0.05, 1]) * Self.slowEarlierFnMilliseconds
            }
            // Make the earlier fns slow, so the later failure comes first in time.
            if has(Capability.async) && random.chance(0.5) {
                for place in FnPlace.all(in: call) {
                    guard var fn = place.fn(in: call), fn.delayMilliseconds == nil || fn.delayMilliseconds ?? 0 < 100 else { continue }
                    fn.isAsync = true
                    fn.delayMilliseconds = Self.slowEarlierFnMilliseconds
                    place.set(fn, in: &call)
                }
            }
            place(second, in: &call, random: &random)
            // Alone in the call, the failure has nothing to come before: it does not sleep.
            if FnPlace.all(in: call).count < 2 { Self.dropDelays(&call) }
        default:
            break
        }
    }

    /// The `timeout` case with every fn but the one that outlasts the limit sync and without
    /// a delay: only that fn can time out, however late a loaded machine runs the others.
    static func leaveOnlyTheSleeperAsync(_ call: inout CallSpec) {
        for place in FnPlace.all(in: call) {
            guard var fn = place.fn(in: call), fn.delayMilliseconds != timeoutCaseDelayMilliseconds, fn.isAsync || fn.delayMilliseconds != nil else { continue }
            fn.isAsync = false
            fn.delayMilliseconds = nil
            place.set(fn, in: &call)
        }
    }

    /// A structured call on the same data, for error kinds that need regularizers.
    private func structuredCase(from base: ExploreCase, random: inout SeededGenerator) -> ExploreCase {
        var copy = base
        let names = Self.names(count: random.int(in: 1...2), random: &random)
        copy.call.regularizers = names.map {
            entry(name: $0, weight: Self.weight(random: &random), fn: fn(for: base.datums, random: &random, legacy: false))
        }
        return copy
    }

    /// Puts `fn` as the base loss or as a regularizer at a random place.
    private func place(_ fn: FnSpec, in call: inout CallSpec, random: inout SeededGenerator) {
        if call.regularizers.isEmpty || random.chance(0.25) {
            call.lossFn = fn
            return
        }
        let names = Set(call.regularizers.compactMap(\.name).map { Array($0.unicodeScalars) })
        var name = "bad"
        while names.contains(Array(name.unicodeScalars)) { name += "_" }
        let weight: JSONValue = random.pick([.number(1.0), .number(0.5), .number(0.0), .integer(0), .number(-1.0)])
        call.regularizers.insert(entry(name: name, weight: weight, fn: fn), at: random.int(in: 0...call.regularizers.count))
    }

    private func stripSelections(_ call: CallSpec) -> CallSpec {
        var copy = call
        copy.lossFn?.datums = nil
        for index in copy.regularizers.indices {
            if case .fn(var fn)? = copy.regularizers[index].fields["fn"] {
                fn.datums = nil
                copy.regularizers[index].fields["fn"] = .fn(fn)
            }
        }
        return copy
    }

    /// Breaks one entry (sometimes two) in one of the ways section 2 lists.
    private func malformed(_ entries: [RegularizerEntrySpec], random: inout SeededGenerator) -> [RegularizerEntrySpec] {
        var entries = entries
        let index = random.int(in: 0...(entries.count - 1))
        var entry = entries[index]
        switch random.int(in: 0...11) {
        case 0: entry.fields.removeValue(forKey: "name")
        case 1: entry.fields["name"] = .value(.integer(3))
        case 2: entry.fields["name"] = .value(.string(""))
        case 3:
            // A repeated name: a copy of another entry's name, or of its own when alone.
            let other = entries[random.int(in: 0...(entries.count - 1))]
            var name: JSONValue = "dup"
            if case .value(let existing)? = other.fields["name"] { name = existing }
            let copy = Self.entry(name: name, weight: .number(0.5), fn: FnSpec(name: "sum", location: .start(of: "explore")))
            entries.insert(copy, at: random.int(in: 0...entries.count))
            return entries
        case 4: entry.fields.removeValue(forKey: "weight")
        case 5: entry.fields["weight"] = .value(.bool(random.chance(0.5)))
        case 6: entry.fields["weight"] = .value(.number(.nan))
        case 7: entry.fields["weight"] = .value(.number(random.chance(0.5) ? .infinity : -.infinity))
        case 8: entry.fields["weight"] = .value(.string("0.1"))
        case 9: entry.fields.removeValue(forKey: "fn")
        case 10: entry.fields["fn"] = .value(random.pick([.integer(42), .null, .array([.string("sum")])]))
        default: entry.fields[random.pick(["scale", "Weight", "metrics"])] = .value(.number(1.0))
        }
        entries[index] = entry
        return entries
    }
}
