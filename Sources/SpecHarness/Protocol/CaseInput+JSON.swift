import OrderedCollections
import TinkerWire

extension CaseInput {
    /// The fully resolved case as the protocol's `run` message carries it.
    package var json: JSONValue {
        [
            "id": .string(id),
            "data": .array(data.map { WireJSON.encode($0.datum) }),
            "logprobs": .array(data.map { .array($0.logprobs.map(JSONValue.number)) }),
            "call": call.json,
        ]
    }

    package init(json: JSONValue) throws(ProtocolError) {
        let reader = JSONReader(json, path: "case")
        let datums = try reader.field("data").array()
        let logprobs = try reader.field("logprobs").array()
        guard datums.count == logprobs.count else {
            throw ProtocolError("case.logprobs", "has \(logprobs.count) rows for \(datums.count) datums")
        }
        var data: [CaseDatum] = []
        for (datum, row) in zip(datums, logprobs) {
            data.append(CaseDatum(datum: try WireJSON.decodeDatum(datum), logprobs: try row.numbers()))
        }
        self.init(id: try reader.field("id").string(), data: data, call: try CallSpec(try reader.field("call")))
    }
}

extension CallSpec {
    var json: JSONValue {
        let entries: [JSONValue] = regularizers.map { entry in
            .object(entry.fields.mapValues { field in
                switch field {
                case .fn(let spec): return spec.json
                case .value(let value): return value
                }
            })
        }
        return [
            "loss_fn": lossFn?.json ?? .null,
            "regularizers": .array(entries),
            "options": [
                "track_grad_norms": .bool(options.trackGradNorms),
                "timeout_ms": options.timeoutMilliseconds.map(JSONValue.number) ?? .null,
                "max_concurrency": options.maxConcurrency.map(JSONValue.integer) ?? .null,
            ],
            "entry_point": .string(entryPoint.rawValue),
        ]
    }

    init(_ reader: JSONReader) throws(ProtocolError) {
        lossFn = try reader.optional("loss_fn").map { r throws(ProtocolError) in try FnSpec(r) }
        regularizers = []
        for entry in try reader.field("regularizers").array() {
            var fields: ScalarKeyedDictionary<RegularizerEntrySpec.Field> = [:]
            for (key, value) in try entry.object() {
                // A catalogue reference is always an object; anything else is passed as written.
                if key == "fn", case .object = value.value {
                    fields[key] = .fn(try FnSpec(value))
                } else {
                    fields[key] = .value(value.value)
                }
            }
            regularizers.append(RegularizerEntrySpec(fields: fields, location: .start(of: "protocol")))
        }
        let optionsReader = try reader.field("options")
        options = CallOptions(
            trackGradNorms: try optionsReader.optional("track_grad_norms")?.bool() ?? false,
            timeoutMilliseconds: try optionsReader.optional("timeout_ms")?.milliseconds(minimum: .leastNonzeroMagnitude),
            maxConcurrency: try optionsReader.optional("max_concurrency")?.integer())
        if let limit = options.maxConcurrency, limit < 1 {
            throw ProtocolError("case.call.options.max_concurrency", "expected at least 1")
        }
        let entryReader = try reader.field("entry_point")
        guard let entryPoint = EntryPoint(rawValue: try entryReader.string()) else {
            throw ProtocolError(entryReader.path, "expected call or future")
        }
        self.entryPoint = entryPoint
    }
}

extension FnSpec {
    var json: JSONValue {
        [
            "name": .string(name),
            "async": .bool(isAsync),
            "delay_ms": delayMilliseconds.map(JSONValue.number) ?? .null,
            "scale": scale.map(JSONValue.number) ?? .null,
            "datums": datums.map { .array($0.map(JSONValue.integer)) } ?? .null,
            "metrics": .object(metrics.mapValues { metric in
                switch metric {
                case .number(let number): return .number(number)
                case .bool(let flag): return .bool(flag)
                case .ownLoss: return "$loss"
                }
            }),
            "params": .object(parameters),
        ]
    }

    init(_ reader: JSONReader) throws(ProtocolError) {
        name = try reader.field("name").string()
        isAsync = try reader.optional("async")?.bool() ?? false
        delayMilliseconds = try reader.optional("delay_ms")?.milliseconds(minimum: 0)
        scale = try reader.optional("scale")?.number()
        datums = try reader.optional("datums")?.integers()
        metrics = [:]
        for (key, value) in try reader.optional("metrics")?.object() ?? [] {
            switch value.value {
            case .bool(let flag): metrics[key] = .bool(flag)
            case .string("$loss"): metrics[key] = .ownLoss
            default: metrics[key] = .number(try value.number())
            }
        }
        parameters = [:]
        for (key, value) in try reader.optional("params")?.object() ?? [] {
            parameters[key] = value.value
        }
        location = .start(of: "protocol")
    }
}
