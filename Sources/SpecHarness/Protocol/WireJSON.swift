import OrderedCollections
import TrainingClient

/// Tinker's wire types as protocol JSON, both ways. Not Codable: numbers must keep NaN and
/// infinities, and objects their key order.
enum WireJSON {
    static func encode(_ tensor: TensorData) -> JSONValue {
        let data: [JSONValue] = tensor.dtype == .int64
            ? tensor.data.map { Int(exactly: $0).map(JSONValue.integer) ?? .number($0) }
            : tensor.data.map(JSONValue.number)
        var object: ScalarKeyedDictionary<JSONValue> = ["data": .array(data), "dtype": .string(tensor.dtype.rawValue)]
        if let shape = tensor.shape { object["shape"] = .array(shape.map(JSONValue.integer)) }
        return .object(object)
    }

    static func decodeTensor(_ reader: JSONReader) throws(ProtocolError) -> TensorData {
        let dtypeReader = try reader.field("dtype")
        guard let dtype = TensorData.DType(rawValue: try dtypeReader.string()) else {
            throw ProtocolError(dtypeReader.path, "expected int64 or float32")
        }
        return TensorData(
            data: try reader.field("data").numbers(), dtype: dtype, shape: try reader.optional("shape")?.integers())
    }

    static func encode(_ datum: Datum) -> JSONValue {
        let chunks: [JSONValue] = datum.modelInput.chunks.map {
            ["tokens": .array($0.tokens.map(JSONValue.integer)), "type": "encoded_text"]
        }
        let inputs = ScalarKeyedDictionary(uniqueKeysWithValues: datum.lossFnInputs.sorted { $0.key < $1.key }.map { ($0.key, encode($0.value)) })
        return ["model_input": ["chunks": .array(chunks)], "loss_fn_inputs": .object(inputs)]
    }

    static func decodeDatum(_ reader: JSONReader) throws(ProtocolError) -> Datum {
        var chunks: [EncodedTextChunk] = []
        for chunk in try reader.field("model_input").field("chunks").array() {
            if let type = try chunk.optional("type"), try type.string() != "encoded_text" {
                throw ProtocolError(type.path, "only encoded_text chunks are supported")
            }
            chunks.append(EncodedTextChunk(tokens: try chunk.field("tokens").integers()))
        }
        var inputs: [String: TensorData] = [:]
        for (key, tensor) in try reader.field("loss_fn_inputs").object() {
            inputs[key] = try decodeTensor(tensor)
        }
        return Datum(modelInput: ModelInput(chunks: chunks), lossFnInputs: inputs)
    }

    static func encode(_ request: ForwardBackwardRequest) -> JSONValue {
        ["loss_fn": .string(request.lossFn.rawValue), "data": .array(request.data.map(encode))]
    }

    static func decodeRequest(_ reader: JSONReader, kind: ForwardBackwardRequest.Kind) throws(ProtocolError) -> ForwardBackwardRequest {
        var data: [Datum] = []
        for datum in try reader.field("data").array() { data.append(try decodeDatum(datum)) }
        return ForwardBackwardRequest(
            kind: kind, lossFn: BackendLossFunction(rawValue: try reader.field("loss_fn").string()), data: data)
    }

    static func encode(_ metrics: Metrics) -> JSONValue {
        .object(ScalarKeyedDictionary(uniqueKeysWithValues: metrics.map { key, value in
            switch value {
            case .number(let number): return (key, JSONValue.number(number))
            case .object(let nested): return (key, encode(nested))
            }
        }))
    }

    static func decodeMetrics(_ reader: JSONReader) throws(ProtocolError) -> Metrics {
        var entries: ScalarKeyedDictionary<MetricValue> = [:]
        for (key, value) in try reader.object() {
            if case .object = value.value {
                entries[key] = .object(try decodeMetrics(value))
            } else {
                entries[key] = .number(try value.number())
            }
        }
        return Metrics(entries)
    }
}
