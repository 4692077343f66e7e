import TrainingClient

/// Judges the telemetry events an engine reported against the call's outcome (semantics
/// section 12): a call starts and then stops or fails; each fn that ran starts once and then
/// stops with the value and contribution the metrics report, or fails with the call's error.
/// Engines that report no telemetry are not judged here.
struct TelemetryChecker {
    let specCase: SpecCase

    private var call: CallSpec { specCase.input.call }

    func check(_ observation: Observation) -> [Mismatch] {
        guard let records = observation.telemetry else { return [] }
        switch observation.outcome {
        case .success(let metrics): return checkSuccess(records, metrics: metrics)
        case .failure(let error): return checkFailure(records, error: error)
        }
    }

    /// Labels are names: equal only scalar for scalar (semantics section 2).
    private static func sameName(_ reported: String?, _ label: String) -> Bool {
        reported.map { $0.unicodeScalars.elementsEqual(label.unicodeScalars) } ?? false
    }

    private var labels: [String] {
        (call.lossFn == nil ? [] : ["loss_fn"]) + call.regularizers.compactMap(\.name)
    }

    private func checkSuccess(_ records: [TelemetryRecord], metrics: Metrics) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        let structured = !call.regularizers.isEmpty
        if let first = records.first, first.event == .callStarted {
            let mode = structured ? "structured" : "legacy"
            if first.mode != mode || first.fnCount != labels.count {
                mismatches.append(Mismatch(
                    "telemetry.call_started",
                    "expected mode \(mode) with \(labels.count) fns, got mode \(first.mode ?? "none") with \(first.fnCount.map(String.init) ?? "no") fns"))
            }
        } else {
            mismatches.append(Mismatch("telemetry", "the first event must be call_started, is \(records.first?.event.rawValue ?? "missing")"))
        }
        if let last = records.last, last.event == .callStopped {
            if structured, let lossTotal = metrics.number(at: ["loss_total"]), !near(last.lossTotal, lossTotal) {
                mismatches.append(Mismatch(
                    "telemetry.call_stopped.loss_total", "must be the result's loss_total \(lossTotal), is \(describe(last.lossTotal))"))
            }
        } else {
            mismatches.append(Mismatch("telemetry", "a call that succeeded must end with call_stopped, ends with \(records.last?.event.rawValue ?? "nothing")"))
        }
        for label in labels {
            let events = records.filter { Self.sameName($0.label, label) }.map(\.event)
            guard events == [.fnStarted, .fnStopped] else {
                mismatches.append(Mismatch(
                    "telemetry.\(label)", "a fn of a successful call starts once, then stops; its events are \(events.map(\.rawValue))"))
                continue
            }
            guard structured, let stop = records.first(where: { Self.sameName($0.label, label) && $0.event == .fnStopped }) else { continue }
            let entry = label == "loss_fn" ? ["base_loss"] : ["regularizers", label]
            if let value = metrics.number(at: entry + ["value"]), !near(stop.value, value) {
                mismatches.append(Mismatch("telemetry.\(label).value", "fn_stopped reports \(describe(stop.value)), the metrics \(value)"))
            }
            let contribution = label == "loss_fn" ? nil : metrics.number(at: entry + ["contribution"])
            if contribution == nil ? stop.contribution != nil : !near(stop.contribution, contribution ?? 0) {
                mismatches.append(Mismatch(
                    "telemetry.\(label).contribution",
                    "fn_stopped reports \(describe(stop.contribution)), the metrics \(contribution.map { "\($0)" } ?? "none (the base loss has no contribution)")"))
            }
        }
        return mismatches
    }

    /// Kinds a fn itself fails with; the fn's own events must show it.
    private static let fnFailureKinds: Set<String> = ["loss_fn_failed", "non_scalar_loss", "invalid_metrics", "timeout"]

    private func checkFailure(_ records: [TelemetryRecord], error: ObservedError) -> [Mismatch] {
        if let kind = error.kind, CaseChecker.validationKinds.contains(kind) {
            let started = records.filter { $0.event == .fnStarted }.compactMap(\.label)
            return started.isEmpty ? [] : [Mismatch("telemetry", "\(kind) is a validation error, yet fns started: \(started)")]
        }
        var mismatches: [Mismatch] = []
        if records.first?.event != .callStarted || records.last?.event != .callFailed || records.contains(where: { $0.event == .callStopped }) {
            mismatches.append(Mismatch(
                "telemetry", "a call that failed starts with call_started and ends with call_failed; its events are \(records.map(\.event.rawValue))"))
        }
        if let kind = error.kind, Self.fnFailureKinds.contains(kind), let label = error.label,
            !records.contains(where: { $0.event == .fnFailed && Self.sameName($0.label, label) && $0.errorKind == kind })
        {
            mismatches.append(Mismatch("telemetry.\(label)", "the call failed with \(kind) from '\(label)', but no fn_failed event of that kind names it"))
        }
        return mismatches
    }

    private func near(_ actual: Double?, _ expected: Double) -> Bool {
        guard let actual else { return false }
        return specCase.tolerance.base.accepts(actual, expected: expected)
    }

    private func describe(_ value: Double?) -> String {
        value.map { "\($0)" } ?? "nothing"
    }
}
