import OrderedCollections
import TinkerWire

extension TelemetryRecord {
    /// The fields each event carries over the protocol, in the order they are written
    /// (semantics section 12; docs/protocol.md section 6.1).
    static func fields(of event: Event) -> [String] {
        switch event {
        case .callStarted: return ["mode", "fn_count"]
        case .fnStarted: return ["label"]
        case .fnStopped: return ["label", "duration", "value", "contribution"]
        case .fnFailed: return ["label", "kind"]
        case .callStopped: return ["duration", "loss_total"]
        case .callFailed: return ["duration", "kind", "label"]
        }
    }

    /// The event as an item of the observation's `telemetry` list: `event`, then exactly the
    /// event's own fields, `null` where the engine has no value (a base loss's contribution).
    package var json: JSONValue {
        var object: ScalarKeyedDictionary<JSONValue> = ["event": .string(event.rawValue)]
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        for field in Self.fields(of: event) {
            switch field {
            case "mode": object[field] = text(mode)
            case "fn_count": object[field] = fnCount.map(JSONValue.integer) ?? .null
            case "label": object[field] = text(label)
            case "kind": object[field] = text(errorKind)
            case "duration": object[field] = number(duration)
            case "value": object[field] = number(value)
            case "contribution": object[field] = number(contribution)
            default: object[field] = number(lossTotal)
            }
        }
        return .object(object)
    }

    /// Reads one item of the observation's `telemetry` list. Fields are optional and may be
    /// `null` (the checker says what a missing one means); a field of the wrong type, or an
    /// event name semantics section 12 does not list, is a protocol error.
    init(json reader: JSONReader) throws(ProtocolError) {
        let eventReader = try reader.field("event")
        let name = try eventReader.string()
        guard let event = Event(rawValue: name) else {
            let known = Self.eventNames.joined(separator: ", ")
            throw ProtocolError(eventReader.path, "unknown telemetry event '\(EngineText.capped(name))' (known: \(known))")
        }
        self.init(
            event: event, label: try reader.optional("label")?.string(), mode: try reader.optional("mode")?.string(),
            fnCount: try reader.optional("fn_count")?.integer(), value: try reader.optional("value")?.number(),
            contribution: try reader.optional("contribution")?.number(),
            lossTotal: try reader.optional("loss_total")?.number(), errorKind: try reader.optional("kind")?.string(),
            duration: try reader.optional("duration")?.number())
    }

    static let eventNames: [String] = [Event.callStarted, .fnStarted, .fnStopped, .fnFailed, .callStopped, .callFailed].map(\.rawValue)

    /// The observation's `telemetry` list.
    static func decodeList(_ reader: JSONReader) throws(ProtocolError) -> [TelemetryRecord] {
        var records: [TelemetryRecord] = []
        for item in try reader.array() { records.append(try TelemetryRecord(json: item)) }
        return records
    }
}
