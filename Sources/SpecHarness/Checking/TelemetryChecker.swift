import TinkerWire

/// Judges the telemetry events an engine reported against the call's outcome (semantics
/// section 12), with the same rules for the in-process reference and for an engine behind the
/// protocol (capability `telemetry`): a call that fails validation emits nothing; otherwise
/// `call_started` opens and one `call_stopped` or `call_failed` closes the events, and every
/// fn event lies between them; each fn that started ends exactly once, stopped or failed;
/// under `max_concurrency: 1` fn events come in list order, one fn at a time; durations are
/// non-negative seconds; values equal the metrics or the error the call returned; and the
/// events equal those the case states, if it states any. An engine that reports no
/// telemetry is judged only where the case needs the capability: there it fails.
struct TelemetryChecker {
    let specCase: SpecCase
    /// The call's fns in list order: the base loss first, then each regularizer.
    private let labels: [String]

    init(specCase: SpecCase) {
        self.specCase = specCase
        let call = specCase.input.call
        var labels: [String] = []
        labels.reserveCapacity(call.regularizers.count + 1)
        if call.lossFn != nil { labels.append("loss_fn") }
        for regularizer in call.regularizers {
            if let name = regularizer.name { labels.append(name) }
        }
        self.labels = labels
    }

    private var call: CallSpec { specCase.input.call }

    func check(_ observation: Observation) -> [Mismatch] {
        guard let records = observation.telemetry else {
            guard specCase.requiredCapabilities.contains(Capability.telemetry) else { return [] }
            return [Mismatch("telemetry", "the case needs the call's telemetry events, and the engine reported none (announce the capability only when every reply carries them)")]
        }
        var mismatches: [Mismatch]
        switch observation.outcome {
        case .success(let metrics): mismatches = checkSuccess(records, metrics: metrics)
        case .failure(let error): mismatches = checkFailure(records, error: error)
        }
        if let expected = specCase.expectation.telemetry {
            mismatches += checkStated(records, expected: expected)
        }
        return mismatches
    }

    /// Labels are names: equal only scalar for scalar (semantics section 2).
    private static func sameName(_ reported: String?, _ label: String) -> Bool {
        reported.map { ScalarKey.same($0, label) } ?? false  // equal UTF-8 bytes are equal scalars
    }

    private static func sameText(_ reported: String?, _ expected: String?) -> Bool {
        switch (reported, expected) {
        case (nil, nil): return true
        case (let reported?, let expected?): return sameName(reported, expected)
        default: return false
        }
    }

    private var isStructured: Bool { !call.regularizers.isEmpty }

    private static let fnEvents: Set<TelemetryRecord.Event> = [.fnStarted, .fnStopped, .fnFailed]

    private func checkSuccess(_ records: [TelemetryRecord], metrics: Metrics) -> [Mismatch] {
        var mismatches = checkStructure(records, end: .callStopped, everyFnStops: true)
        if let last = records.last, last.event == .callStopped, isStructured,
            let lossTotal = metrics.number(at: ["loss_total"]), !near(last.lossTotal, lossTotal)
        {
            mismatches.append(Mismatch(
                "telemetry.call_stopped.loss_total", "must be the result's loss_total \(lossTotal), is \(describe(last.lossTotal))"))
        }
        for label in labels {
            guard Self.startsThenStops(records, label: label) else {
                let events = records.filter { Self.fnEvents.contains($0.event) && Self.sameName($0.label, label) }.map(\.event)
                mismatches.append(Mismatch(
                    "telemetry.\(label)", "a fn of a successful call starts once, then stops; its events are \(Self.listed(events.map(\.rawValue)))"))
                continue
            }
            guard isStructured, let stop = records.first(where: { Self.sameName($0.label, label) && $0.event == .fnStopped }) else { continue }
            let isBase = label == "loss_fn"
            if let value = metrics.number(at: isBase ? ["base_loss", "value"] : ["regularizers", label, "value"]), !near(stop.value, value) {
                mismatches.append(Mismatch("telemetry.\(label).value", "fn_stopped reports \(describe(stop.value)), the metrics \(value)"))
            }
            let contribution = isBase ? nil : metrics.number(at: ["regularizers", label, "contribution"])
            if contribution == nil ? stop.contribution != nil : !near(stop.contribution, contribution ?? 0) {
                mismatches.append(Mismatch(
                    "telemetry.\(label).contribution",
                    "fn_stopped reports \(describe(stop.contribution)), the metrics \(contribution.map { "\($0)" } ?? "none (the base loss has no contribution)")"))
            }
        }
        return mismatches
    }

    /// Whether the fn events naming `label` are exactly `fn_started` then `fn_stopped`.
    private static func startsThenStops(_ records: [TelemetryRecord], label: String) -> Bool {
        var seen = 0
        for index in records.indices {
            let event = records[index].event
            guard event == .fnStarted || event == .fnStopped || event == .fnFailed, sameName(records[index].label, label) else { continue }
            let wanted: TelemetryRecord.Event = seen == 0 ? .fnStarted : .fnStopped
            guard seen < 2, event == wanted else { return false }
            seen += 1
        }
        return seen == 2
    }

    /// Kinds a fn itself fails with; the fn's own events must show it.
    private static let fnFailureKinds: Set<String> = ["loss_fn_failed", "non_scalar_loss", "invalid_metrics", "timeout"]

    private func checkFailure(_ records: [TelemetryRecord], error: ObservedError) -> [Mismatch] {
        let expectedKind: String? = if case .failure(let expected) = specCase.expectation { expected.kind } else { nil }
        if let kind = error.kind ?? expectedKind, CaseChecker.validationKinds.contains(kind) {
            return records.isEmpty
                ? [] : [Mismatch("telemetry", "\(kind) is a validation error, so the call emits no event; it emitted \(Self.listed(records.map(\.event.rawValue)))")]
        }
        var mismatches = checkStructure(records, end: .callFailed, everyFnStops: false)
        if let last = records.last, last.event == .callFailed {
            if !Self.sameText(last.errorKind, error.kind) || !Self.sameText(last.label, error.label) {
                mismatches.append(Mismatch(
                    "telemetry.call_failed",
                    "must name the error the call raised (kind \(error.kind ?? "null"), label \(error.label ?? "null")), names kind \(last.errorKind ?? "null"), label \(last.label ?? "null")"))
            }
        }
        if let kind = error.kind, Self.fnFailureKinds.contains(kind), let label = error.label,
            !records.contains(where: { $0.event == .fnFailed && Self.sameName($0.label, label) && $0.errorKind == kind })
        {
            mismatches.append(Mismatch("telemetry.\(label)", "the call failed with \(kind) from '\(label)', but no fn_failed event of that kind names it"))
        }
        return mismatches
    }

    /// The rules of every call that passed validation: bracketing, each started fn ending
    /// once, list order under `max_concurrency: 1`, the `call_started` fields, durations.
    /// `everyFnStops`: the call succeeded, and `checkSuccess` holds each fn to start and stop.
    private func checkStructure(_ records: [TelemetryRecord], end: TelemetryRecord.Event, everyFnStops: Bool) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        var starts = 0, ends = 0
        // Events read in place: a record copied whole is a copy of its strings.
        for index in records.indices {
            let event = records[index].event
            if event == .callStarted { starts += 1 }
            if event == .callStopped || event == .callFailed { ends += 1 }
        }
        let firstEvent = records.isEmpty ? nil : records[0].event
        let lastEvent = records.isEmpty ? nil : records[records.count - 1].event
        if firstEvent != .callStarted || lastEvent != end || starts != 1 || ends != 1 {
            let names = records.map(\.event.rawValue)
            mismatches.append(Mismatch(
                "telemetry",
                "the call's events open with one call_started and close with one \(end.rawValue), its fns' events between them; its events are \(Self.listed(names))"))
        }
        if let first = records.first, first.event == .callStarted {
            let mode = isStructured ? "structured" : "legacy"
            if first.mode != mode || first.fnCount != labels.count {
                mismatches.append(Mismatch(
                    "telemetry.call_started",
                    "expected mode \(mode) with \(labels.count) fns, got mode \(first.mode ?? "none") with \(first.fnCount.map(String.init) ?? "no") fns"))
            }
        }
        mismatches += checkFnLifecycles(records, perFn: !everyFnStops)
        if call.options.maxConcurrency == 1 {
            mismatches += checkSequentialOrder(records)
        }
        // One mismatch for the first bad duration, however many events an engine sends.
        var untimedCount = 0
        var firstUntimed: TelemetryRecord?
        for record in records where record.event == .fnStopped || record.event == .callStopped || record.event == .callFailed {
            guard record.duration.map({ !($0.isFinite && $0 >= 0) }) ?? true else { continue }
            untimedCount += 1
            if firstUntimed == nil { firstUntimed = record }
        }
        if let first = firstUntimed {
            let more = untimedCount > 1 ? " (and \(untimedCount - 1) more events)" : ""
            mismatches.append(Mismatch(
                "telemetry.\(first.label.map { "\($0)." } ?? "")\(first.event.rawValue).duration",
                "must be a non-negative number of seconds, is \(describe(first.duration))\(more)"))
        }
        return mismatches
    }

    /// Each fn event names a fn of the call; each fn starts at most once and, once started,
    /// ends exactly once (stopped or failed), after its start.
    private func checkFnLifecycles(_ records: [TelemetryRecord], perFn: Bool) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        // Counted in one pass, the first kept: a conforming engine names no stranger.
        var strangerCount = 0
        var firstStranger: TelemetryRecord?
        for record in records
        where (record.event == .fnStarted || record.event == .fnStopped || record.event == .fnFailed)
            && !labels.contains(where: { Self.sameName(record.label, $0) })
        {
            strangerCount += 1
            if firstStranger == nil { firstStranger = record }
        }
        if let first = firstStranger {
            let more = strangerCount > 1 ? " (and \(strangerCount - 1) more such events)" : ""
            mismatches.append(Mismatch(
                "telemetry", "\(first.event.rawValue) names \(first.label.map { "'\($0)'" } ?? "no fn"), which is not a fn of the call\(more)"))
        }
        for label in labels where perFn {
            // The label's first two events and how many there are; the list only for a mismatch.
            var count = 0
            var first: TelemetryRecord.Event?, second: TelemetryRecord.Event?
            for index in records.indices {
                let event = records[index].event
                guard event == .fnStarted || event == .fnStopped || event == .fnFailed, Self.sameName(records[index].label, label) else { continue }
                count += 1
                if count == 1 { first = event } else if count == 2 { second = event }
            }
            guard count > 0 else { continue }
            let ended = count == 2 && first == .fnStarted && (second == .fnStopped || second == .fnFailed)
            if !ended {
                let events = records.filter { Self.fnEvents.contains($0.event) && Self.sameName($0.label, label) }.map(\.event)
                mismatches.append(Mismatch(
                    "telemetry.\(label)", "a fn that starts ends exactly once, stopped or failed, after its start; its events are \(Self.listed(events.map(\.rawValue)))"))
            }
        }
        return mismatches
    }

    /// Under `max_concurrency: 1` fns run one at a time in list order: each fn's start is
    /// followed by its own end before the next fn starts, and starts follow the list.
    private func checkSequentialOrder(_ records: [TelemetryRecord]) -> [Mismatch] {
        let fnRecords = records.filter { Self.fnEvents.contains($0.event) }
        var previousIndex = -1
        var open: String?
        for record in fnRecords {
            let index = labels.firstIndex { Self.sameName(record.label, $0) } ?? -1
            if record.event == .fnStarted {
                if open != nil || index <= previousIndex { return [orderMismatch(fnRecords)] }
                open = record.label
                previousIndex = index
            } else {
                if open == nil || !Self.sameText(record.label, open) { return [orderMismatch(fnRecords)] }
                open = nil
            }
        }
        return []
    }

    private func orderMismatch(_ fnRecords: [TelemetryRecord]) -> Mismatch {
        let seen = fnRecords.map { "\($0.event.rawValue) \($0.label ?? "?")" }
        return Mismatch(
            "telemetry.order",
            "under max_concurrency: 1 fns run one at a time in list order (\(labels.joined(separator: ", "))); the fn events are \(Self.listed(seen))")
    }

    /// The events the case states: the same events in the same order, each stated field equal
    /// (numbers within the case's tolerance, names scalar for scalar).
    private func checkStated(_ records: [TelemetryRecord], expected: [ExpectedTelemetryEvent]) -> [Mismatch] {
        // The event lists are spelled out only for a mismatch.
        guard records.lazy.map(\.event).elementsEqual(expected.lazy.map(\.record.event)) else {
            let reported = records.map(\.event.rawValue)
            let wanted = expected.map(\.record.event.rawValue)
            return [Mismatch("telemetry.events", "expected the events \(Self.listed(wanted)), the engine reported \(Self.listed(reported))")]
        }
        var mismatches: [Mismatch] = []
        for (index, (record, expectation)) in zip(records, expected).enumerated() {
            let want = expectation.record
            for field in expectation.stated {
                var path: String { "telemetry[\(index)].\(field)" }  // named only for a mismatch
                switch field {
                case "label", "mode", "kind":
                    let (actual, expected) = field == "label" ? (record.label, want.label) : field == "mode" ? (record.mode, want.mode) : (record.errorKind, want.errorKind)
                    if !Self.sameText(actual, expected) {
                        mismatches.append(Mismatch(path, "expected \(expected.map { "'\($0)'" } ?? "null"), got \(actual.map { "'\($0)'" } ?? "null")"))
                    }
                case "fn_count":
                    if record.fnCount != want.fnCount {
                        mismatches.append(Mismatch(path, "expected \(want.fnCount.map(String.init) ?? "null"), got \(record.fnCount.map(String.init) ?? "null")"))
                    }
                default:
                    let (actual, expected) = field == "value" ? (record.value, want.value) : field == "contribution" ? (record.contribution, want.contribution) : (record.lossTotal, want.lossTotal)
                    let equal = expected.map { near(actual, $0) } ?? (actual == nil)
                    if !equal {
                        mismatches.append(Mismatch(path, "expected \(describe(expected)), got \(describe(actual))", expected: expected, actual: actual))
                    }
                }
            }
        }
        return mismatches
    }

    /// At most `shown` items of an engine's list, and how many more: an engine can report
    /// any number of events, and the report must stay readable.
    static func listed(_ items: [String], shown: Int = 24) -> String {
        let head = items.prefix(shown).map { "\"\($0)\"" }.joined(separator: ", ")
        return items.count > shown ? "[\(head), ... \(items.count - shown) more]" : "[\(head)]"
    }

    private func near(_ actual: Double?, _ expected: Double) -> Bool {
        guard let actual else { return false }
        return specCase.tolerance.base.accepts(actual, expected: expected)
    }

    private func describe(_ value: Double?) -> String {
        value.map { "\($0)" } ?? "nothing"
    }
}
