/// `--strict-protocol`: replies may hold only the keys and types `docs/protocol.md` defines.
///
/// The lenient reader ignores unknown keys so that engines can grow; strict mode is for an
/// adapter's own CI, to catch typos such as `"outcom"` that leniency would hide.
enum ProtocolConformance {
    static func checkStarted(_ reply: JSONValue) throws(ProtocolError) {
        // `error` is how an engine refuses to start; parseStarted reports it.
        if reply["error"] != nil { return }
        try keys(of: reply, path: "", allowed: ["version", "engine"])
        guard let engine = reply["engine"] else { return }
        try keys(of: engine, path: "engine", allowed: ["name", "language", "version", "capabilities"])
        if case .array(let capabilities)? = engine["capabilities"] {
            for capability in capabilities {
                guard let name = capability.stringValue, Capability.registered(name) != nil else {
                    throw ProtocolError("engine.capabilities", "unknown capability \(capability.serialized())")
                }
            }
        }
    }

    static func checkRunReply(_ reply: JSONValue) throws(ProtocolError) {
        if reply["errored"] != nil {
            try keys(of: reply, path: "", allowed: ["seq", "errored"])
            return
        }
        try keys(of: reply, path: "", allowed: ["seq", "observation"])
        guard let observation = reply["observation"] else { return }
        let outcome = observation["outcome"]?.stringValue
        try keys(of: observation, path: "observation", allowed: ["outcome", outcome == "error" ? "error" : "metrics", "requests", "telemetry"])
        if case .array(let events)? = observation["telemetry"] {
            for (index, event) in events.enumerated() {
                // An unknown event name is an error in both modes; the reader reports it.
                guard let name = event["event"]?.stringValue, let known = TelemetryRecord.Event(rawValue: name) else { continue }
                let path = "observation.telemetry[\(index)]"
                try keys(of: event, path: path, allowed: Set(["event"] + TelemetryRecord.fields(of: known)))
                if let kind = event["kind"]?.stringValue, !ErrorKindNames.all.contains(kind) {
                    throw ProtocolError("\(path).kind", "unknown error kind '\(kind)'")
                }
            }
        }
        if let error = observation["error"] {
            try keys(of: error, path: "observation.error", allowed: ["kind", "label", "message", "type"])
            if let kind = error["kind"]?.stringValue, !ErrorKindNames.all.contains(kind) {
                throw ProtocolError("observation.error.kind", "unknown error kind '\(kind)'")
            }
        }
        if let requests = observation["requests"] {
            try keys(of: requests, path: "observation.requests", allowed: ["forward", "backward"])
            for side in ["forward", "backward"] {
                guard case .array(let list)? = requests[side] else { continue }
                for (index, request) in list.enumerated() {
                    let path = "observation.requests.\(side)[\(index)]"
                    try keys(of: request, path: path, allowed: ["loss_fn", "data"])
                    guard case .array(let data)? = request["data"] else { continue }
                    for (datumIndex, datum) in data.enumerated() {
                        try keys(of: datum, path: "\(path).data[\(datumIndex)]", allowed: ["model_input", "loss_fn_inputs"])
                    }
                }
            }
        }
    }

    private static func keys(of value: JSONValue, path: String, allowed: Set<String>) throws(ProtocolError) {
        guard case .object(let object) = value else { throw ProtocolError(path, "expected an object") }
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            let place = path.isEmpty ? unknown : "\(path).\(unknown)"
            throw ProtocolError(place, "not a key the protocol defines (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
