extension SpecParser {
    /// `expect.telemetry`: the events the engine must report, in order, each a mapping with
    /// `event` and any of that event's fields (semantics section 12) but `duration`, which no
    /// case can know. A case stating events needs the capability `telemetry`.
    func parseExpectedTelemetry(_ value: YAMLValue, call: CallSpec?) throws(SpecDiagnostic) -> [ExpectedTelemetryEvent] {
        var events: [ExpectedTelemetryEvent] = []
        for (index, item) in try value.sequence("expect.telemetry").enumerated() {
            let what = "expect.telemetry[\(index)]"
            guard case .mapping(let pairs) = item.content,
                let eventValue = pairs.first(where: { $0.key.unicodeScalars.elementsEqual("event".unicodeScalars) })?.value
            else {
                throw SpecDiagnostic(item.location, "\(what) names no event", hint: "write e.g. {event: fn_started, label: loss_fn}")
            }
            let name = try eventValue.string("\(what).event")
            let known = TelemetryRecord.eventNames
            guard let event = TelemetryRecord.Event(rawValue: name) else {
                throw SpecDiagnostic(
                    eventValue.location, "unknown telemetry event \(UserText.quoted(name))\(DidYouMean.phrase(for: name, among: known))",
                    hint: "events: \(known.joined(separator: ", "))")
            }
            let fields = TelemetryRecord.fields(of: event).filter { $0 != "duration" }
            let reader = try MappingReader(item, what: "\(what) (\(name))", allowed: ["event"] + fields)
            var record = TelemetryRecord(event: event)
            var stated: [String] = []
            for field in fields {
                guard let fieldValue = reader[field] else { continue }
                stated.append(field)
                if case .null = fieldValue.content { continue }
                let path = "\(what).\(field)"
                switch field {
                case "label": record.label = try fieldValue.string(path)
                case "mode":
                    let mode = try fieldValue.string(path)
                    guard mode == "structured" || mode == "legacy" else {
                        throw SpecDiagnostic(fieldValue.location, "\(path) must be structured or legacy, is \(UserText.quoted(mode))")
                    }
                    record.mode = mode
                case "fn_count": record.fnCount = try fieldValue.integer(path)
                case "kind": record.errorKind = try fieldValue.string(path)
                case "value": record.value = try finite(fieldValue, path)
                case "contribution": record.contribution = try finite(fieldValue, path)
                default: record.lossTotal = try finite(fieldValue, path)
                }
            }
            if let call, let label = record.label, event != .callFailed {
                let labels = (call.lossFn == nil ? [] : ["loss_fn"]) + call.regularizers.compactMap(\.name)
                guard labels.contains(where: { $0.unicodeScalars.elementsEqual(label.unicodeScalars) }) else {
                    throw SpecDiagnostic(
                        reader.location(of: "label"),
                        "\(what).label \(UserText.quoted(label)) is not a fn of the call\(DidYouMean.phrase(for: label, among: labels))",
                        hint: "the call's fns are \(labels.isEmpty ? "none" : labels.joined(separator: ", "))")
                }
            }
            events.append(ExpectedTelemetryEvent(record: record, stated: stated, location: item.location))
        }
        return events
    }

    private func finite(_ value: YAMLValue, _ path: String) throws(SpecDiagnostic) -> Double {
        let number = try value.number(path)
        guard number.isFinite else {
            throw SpecDiagnostic(value.location, "\(path) must be a finite number, is \(number)", hint: "telemetry values are the metrics of a call that succeeded")
        }
        return number
    }
}
