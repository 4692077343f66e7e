import OrderedCollections
import TinkerWire

extension Observation {
    /// The observation as the protocol's `run` reply carries it.
    package var json: JSONValue {
        var object: ScalarKeyedDictionary<JSONValue> = [:]
        switch outcome {
        case .success(let metrics):
            object["outcome"] = "success"
            object["metrics"] = WireJSON.encode(metrics)
        case .failure(let error):
            object["outcome"] = "error"
            object["error"] = [
                "kind": error.kind.map(JSONValue.string) ?? .null,
                "label": error.label.map(JSONValue.string) ?? .null,
                "message": .string(error.message),
                "type": error.type.map(JSONValue.string) ?? .null,
            ]
        }
        object["requests"] = [
            "forward": .array(forwardRequests.map(WireJSON.encode)),
            "backward": .array(backwardRequests.map(WireJSON.encode)),
        ]
        if let telemetry { object["telemetry"] = .array(telemetry.map(\.json)) }
        return .object(object)
    }

    package init(json: JSONValue) throws(ProtocolError) {
        let reader = JSONReader(json, path: "observation")
        let outcomeReader = try reader.field("outcome")
        switch try outcomeReader.string() {
        case "success":
            outcome = .success(metrics: try WireJSON.decodeMetrics(try reader.field("metrics")))
        case "error":
            let error = try reader.field("error")
            outcome = .failure(ObservedError(
                kind: try error.optional("kind")?.string(), label: try error.optional("label")?.string(),
                message: try error.field("message").string(), type: try error.optional("type")?.string()))
        default:
            throw ProtocolError(outcomeReader.path, "expected success or error")
        }
        let requests = try reader.field("requests")
        forwardRequests = []
        for request in try requests.field("forward").array() {
            forwardRequests.append(try WireJSON.decodeRequest(request, kind: .forward))
        }
        backwardRequests = []
        for request in try requests.field("backward").array() {
            backwardRequests.append(try WireJSON.decodeRequest(request, kind: .forwardBackward))
        }
        // Protocol 1.1: absent (or null) from an engine that reports no telemetry.
        telemetry = try reader.optional("telemetry").map { reader throws(ProtocolError) in try TelemetryRecord.decodeList(reader) }
    }
}
