import TinkerWire

/// Writes the protocol's two large messages, `run` and its reply, straight to bytes.
///
/// The same text as building the `JSONValue` tree (`EngineProtocol.runMessage(...)`,
/// `EngineProtocol.runReply(...)`) and serializing it, without the tree: one node and one
/// ordered dictionary per number and object was most of the cost of a round trip.
/// `ProtocolFastPathTests` holds the two to byte equality over the shipped suite.
struct ProtocolWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// `{"cmd":"run","seq":N,"case":{...}}`
    static func runMessage(sequence: Int, input: CaseInput) -> [UInt8] {
        var writer = ProtocolWriter()
        writer.raw("{\"cmd\":\"run\",\"seq\":")
        writer.integer(sequence)
        writer.raw(",\"case\":")
        writer.caseInput(input)
        writer.raw("}")
        return writer.bytes
    }

    /// `{"seq":N,"observation":{...}}`
    static func runReply(sequence: Int, observation: Observation) -> [UInt8] {
        var writer = ProtocolWriter()
        writer.raw("{\"seq\":")
        writer.integer(sequence)
        writer.raw(",\"observation\":")
        writer.observation(observation)
        writer.raw("}")
        return writer.bytes
    }

    // MARK: - Messages

    mutating func caseInput(_ input: CaseInput) {
        raw("{\"id\":")
        string(input.id)
        raw(",\"data\":[")
        for (index, datum) in input.data.enumerated() {
            if index > 0 { raw(",") }
            self.datum(datum.datum)
        }
        raw("],\"logprobs\":[")
        for (index, datum) in input.data.enumerated() {
            if index > 0 { raw(",") }
            numbers(datum.logprobs)
        }
        raw("],\"call\":")
        call(input.call)
        raw("}")
    }

    /// As `CallSpec.json` serializes.
    private mutating func call(_ call: CallSpec) {
        raw("{\"loss_fn\":")
        if let lossFn = call.lossFn { fn(lossFn) } else { raw("null") }
        raw(",\"regularizers\":[")
        for (index, entry) in call.regularizers.enumerated() {
            if index > 0 { raw(",") }
            raw("{")
            var first = true
            for (key, field) in entry.fields {
                if !first { raw(",") }
                first = false
                string(key)
                raw(":")
                switch field {
                case .fn(let spec): fn(spec)
                case .value(let value): self.value(value)
                }
            }
            raw("}")
        }
        raw("],\"options\":{\"track_grad_norms\":")
        raw(call.options.trackGradNorms ? "true" : "false")
        raw(",\"timeout_ms\":")
        optionalNumber(call.options.timeoutMilliseconds)
        raw(",\"max_concurrency\":")
        if let limit = call.options.maxConcurrency { integer(limit) } else { raw("null") }
        raw("},\"entry_point\":")
        string(call.entryPoint.rawValue)
        raw("}")
    }

    /// As `FnSpec.json` serializes.
    private mutating func fn(_ spec: FnSpec) {
        raw("{\"name\":")
        string(spec.name)
        raw(",\"async\":")
        raw(spec.isAsync ? "true" : "false")
        raw(",\"delay_ms\":")
        optionalNumber(spec.delayMilliseconds)
        raw(",\"scale\":")
        optionalNumber(spec.scale)
        raw(",\"datums\":")
        if let datums = spec.datums {
            raw("[")
            for (index, datum) in datums.enumerated() {
                if index > 0 { raw(",") }
                integer(datum)
            }
            raw("]")
        } else {
            raw("null")
        }
        raw(",\"metrics\":{")
        var first = true
        for (key, metric) in spec.metrics {
            if !first { raw(",") }
            first = false
            string(key)
            raw(":")
            switch metric {
            case .number(let number): self.number(number)
            case .bool(let flag): raw(flag ? "true" : "false")
            case .ownLoss: raw("\"$loss\"")
            }
        }
        raw("},\"params\":{")
        first = true
        for (key, parameter) in spec.parameters {
            if !first { raw(",") }
            first = false
            string(key)
            raw(":")
            value(parameter)
        }
        raw("}}")
    }

    mutating func observation(_ observation: Observation) {
        switch observation.outcome {
        case .success(let metrics):
            raw("{\"outcome\":\"success\",\"metrics\":")
            self.metrics(metrics)
        case .failure(let error):
            raw("{\"outcome\":\"error\",\"error\":{\"kind\":")
            optionalString(error.kind)
            raw(",\"label\":")
            optionalString(error.label)
            raw(",\"message\":")
            string(error.message)
            raw(",\"type\":")
            optionalString(error.type)
            raw("}")
        }
        raw(",\"requests\":{\"forward\":")
        requests(observation.forwardRequests)
        raw(",\"backward\":")
        requests(observation.backwardRequests)
        raw("}")
        if let telemetry = observation.telemetry {
            raw(",\"telemetry\":")
            self.telemetry(telemetry)
        }
        raw("}")
    }

    /// As `TelemetryRecord.json` writes each record: `event`, then exactly its own fields.
    private mutating func telemetry(_ records: [TelemetryRecord]) {
        raw("[")
        for (index, record) in records.enumerated() {
            if index > 0 { raw(",") }
            raw("{\"event\":")
            string(record.event.rawValue)
            for field in TelemetryRecord.fields(of: record.event) {
                raw(",")
                string(field)
                raw(":")
                switch field {
                case "mode": optionalString(record.mode)
                case "fn_count": if let count = record.fnCount { integer(count) } else { raw("null") }
                case "label": optionalString(record.label)
                case "kind": optionalString(record.errorKind)
                case "duration": optionalNumber(record.duration)
                case "value": optionalNumber(record.value)
                case "contribution": optionalNumber(record.contribution)
                default: optionalNumber(record.lossTotal)
                }
            }
            raw("}")
        }
        raw("]")
    }

    private mutating func requests(_ requests: [ForwardBackwardRequest]) {
        raw("[")
        for (index, request) in requests.enumerated() {
            if index > 0 { raw(",") }
            raw("{\"loss_fn\":")
            string(request.lossFn.rawValue)
            raw(",\"data\":[")
            for (datumIndex, datum) in request.data.enumerated() {
                if datumIndex > 0 { raw(",") }
                self.datum(datum)
            }
            raw("]}")
        }
        raw("]")
    }

    private mutating func datum(_ datum: Datum) {
        raw("{\"model_input\":{\"chunks\":[")
        for (index, chunk) in datum.modelInput.chunks.enumerated() {
            if index > 0 { raw(",") }
            raw("{\"tokens\":[")
            for (tokenIndex, token) in chunk.tokens.enumerated() {
                if tokenIndex > 0 { raw(",") }
                integer(token)
            }
            raw("],\"type\":\"encoded_text\"}")
        }
        raw("]},\"loss_fn_inputs\":{")
        for (index, entry) in datum.lossFnInputs.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { raw(",") }
            string(entry.key)
            raw(":")
            tensor(entry.value)
        }
        raw("}}")
    }

    private mutating func tensor(_ tensor: TensorData) {
        raw("{\"data\":[")
        if tensor.dtype == .int64 {
            for (index, element) in tensor.data.enumerated() {
                if index > 0 { raw(",") }
                if let exact = Int(exactly: element) { integer(exact) } else { number(element) }
            }
        } else {
            for (index, element) in tensor.data.enumerated() {
                if index > 0 { raw(",") }
                number(element)
            }
        }
        raw("],\"dtype\":")
        string(tensor.dtype.rawValue)
        if let shape = tensor.shape {
            raw(",\"shape\":[")
            for (index, dimension) in shape.enumerated() {
                if index > 0 { raw(",") }
                integer(dimension)
            }
            raw("]")
        }
        raw("}")
    }

    private mutating func metrics(_ metrics: Metrics) {
        raw("{")
        var first = true
        for (key, metric) in metrics {
            if !first { raw(",") }
            first = false
            string(key)
            raw(":")
            switch metric {
            case .number(let number): self.number(number)
            case .object(let nested): self.metrics(nested)
            }
        }
        raw("}")
    }

    // MARK: - Scalars

    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Most strings need no escape: those are copied in one step.
    private mutating func string(_ text: String) {
        var plain = true
        for byte in text.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            plain = false
            break
        }
        guard plain else {
            JSONValue.writeString(text, into: &bytes)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: text.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    private mutating func optionalNumber(_ number: Double?) {
        if let number { self.number(number) } else { raw("null") }
    }

    private mutating func value(_ value: JSONValue) {
        value.write(into: &bytes)
    }

    private mutating func numbers(_ values: [Double]) {
        raw("[")
        for (index, element) in values.enumerated() {
            if index > 0 { raw(",") }
            number(element)
        }
        raw("]")
    }

    /// As `JSONValue.format`, without a String: whole numbers digit by digit, others as the
    /// standard library's shortest round-trip digits, which `Double.write(to:)` hands over as
    /// bytes (`_writeASCII`) where `description` would allocate a String for most of them.
    private mutating func number(_ number: Double) {
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            if number == 0 && number.sign == .minus { raw("-") }
            integer(Int(number))
            raw(".0")
        } else if number.isFinite {
            var digits = ASCIISink(bytes: bytes)
            bytes = []
            number.write(to: &digits)
            bytes = digits.bytes
        } else {
            bytes.append(contentsOf: JSONValue.format(number).utf8)
        }
    }

    /// Decimal digits without making a String.
    private mutating func integer(_ number: Int) {
        if number < 0 { raw("-") }
        var magnitude = number.magnitude
        if magnitude < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(magnitude))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }
}

/// Text appended to bytes: a standard library type that writes itself as ASCII (a number's
/// digits) hands the bytes over without making a String.
private struct ASCIISink: TextOutputStream {
    var bytes: [UInt8]

    mutating func write(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }
}

extension EngineProtocol {
    /// The `run` message as one line of text, written without a `JSONValue` tree; the same
    /// text as `runMessage(sequence:input:).serialized()`.
    package static func runMessageLine(sequence: Int, input: CaseInput) -> String {
        String(decoding: ProtocolWriter.runMessage(sequence: sequence, input: input), as: UTF8.self)
    }

    /// The reply to `run` as one line of text, written without a `JSONValue` tree; the same
    /// text as `runReply(sequence:observation:).serialized()`.
    package static func runReplyLine(sequence: Int, observation: Observation) -> String {
        String(decoding: ProtocolWriter.runReply(sequence: sequence, observation: observation), as: UTF8.self)
    }

    /// The observation in a `run` reply line, decoded without a `JSONValue` tree; nil when the
    /// line is not a well-formed reply with an observation (the tree path then says why).
    package static func observation(inReplyLine line: String) -> Observation? {
        ReplyDecoder.decode(line)?.observation
    }
}
