#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TinkerWire

/// Decodes an engine's answer to `run` straight from its bytes into an `Observation`,
/// without the `JSONValue` tree, `JSONReader` paths or per-number nodes.
///
/// A fast path only: it accepts replies in the shape the protocol defines (fields in any
/// order, unknown fields skipped) and gives up, returning nil, at anything else: bad JSON,
/// a wrong type, a missing field, a string escape it does not handle. The caller then takes
/// the tree path, which reports the precise error; so a reply decodes the same either way.
struct ReplyDecoder {
    /// What a `run` reply says.
    struct Reply {
        var sequence: Int
        /// The engine could not run the case, and why.
        var errored: String?
        var observation: Observation?
    }

    private var scanner: ByteScanner

    private init(_ bytes: [UInt8]) {
        scanner = ByteScanner(bytes)
    }

    /// The reply, or nil when only the tree path can tell what it is.
    static func decode(_ line: String) -> Reply? {
        var decoder = ReplyDecoder(Array(line.utf8))
        guard let reply = decoder.reply(), decoder.scanner.atEnd() else { return nil }
        return reply
    }

    private mutating func reply() -> Reply? {
        var sequence: Int?
        var errored: String?
        var observation: Observation?
        let complete = scanner.object { scanner, key in
            switch key {
            case "seq":
                sequence = scanner.integer()
                return sequence != nil
            case "errored":
                if scanner.null() { errored = nil; return true }
                errored = scanner.string()
                return errored != nil
            case "observation":
                if scanner.null() { observation = nil; return true }
                var nested = ReplyDecoder(scanner: scanner)
                observation = nested.observation()
                scanner = nested.scanner
                return observation != nil
            default:
                return scanner.skipValue()
            }
        }
        guard complete, let sequence else { return nil }
        // An errored reply is read from `errored`; a good one needs its observation.
        guard errored != nil || observation != nil else { return nil }
        return Reply(sequence: sequence, errored: errored, observation: observation)
    }

    private init(scanner: ByteScanner) {
        self.scanner = scanner
    }

    private mutating func observation() -> Observation? {
        var outcome: String?
        var metrics: Metrics?
        var error: ObservedError?
        var forward: [ForwardBackwardRequest]?
        var backward: [ForwardBackwardRequest]?
        var telemetry: [TelemetryRecord]?
        let complete = scanner.object { scanner, key in
            switch key {
            case "telemetry":
                if scanner.null() { telemetry = nil; return true }
                telemetry = Self.telemetry(&scanner)
                return telemetry != nil
            case "outcome":
                outcome = scanner.string()
                return outcome != nil
            case "metrics":
                metrics = Self.metrics(&scanner)
                return metrics != nil
            case "error":
                error = Self.observedError(&scanner)
                return error != nil
            case "requests":
                return scanner.object { scanner, key in
                    switch key {
                    case "forward":
                        forward = Self.requests(&scanner, kind: .forward)
                        return forward != nil
                    case "backward":
                        backward = Self.requests(&scanner, kind: .forwardBackward)
                        return backward != nil
                    default:
                        return scanner.skipValue()
                    }
                }
            default:
                return scanner.skipValue()
            }
        }
        guard complete, let forward, let backward else { return nil }
        switch outcome {
        case "success":
            guard let metrics else { return nil }
            return Observation(outcome: .success(metrics: metrics), forwardRequests: forward, backwardRequests: backward, telemetry: telemetry)
        case "error":
            guard let error else { return nil }
            return Observation(outcome: .failure(error), forwardRequests: forward, backwardRequests: backward, telemetry: telemetry)
        default:
            return nil
        }
    }

    private static func metrics(_ scanner: inout ByteScanner) -> Metrics? {
        var entries: ScalarKeyedDictionary<MetricValue> = [:]
        let complete = scanner.object { scanner, key in
            if scanner.peek(UInt8(ascii: "{")) {
                guard let nested = metrics(&scanner) else { return false }
                entries[key] = .object(nested)
                return true
            }
            guard let number = scanner.number() else { return false }
            entries[key] = .number(number)
            return true
        }
        return complete ? Metrics(entries) : nil
    }

    /// The `telemetry` list, read as `TelemetryRecord.decodeList` reads its tree: `event` one
    /// the semantics list, every other field optional (`null` counts as absent), unknown keys
    /// skipped.
    private static func telemetry(_ scanner: inout ByteScanner) -> [TelemetryRecord]? {
        var records: [TelemetryRecord] = []
        let complete = scanner.array { scanner in
            var event: TelemetryRecord.Event?
            var record = TelemetryRecord(event: .callStarted)
            let complete = scanner.object { scanner, key in
                func text(_ target: inout String?) -> Bool {
                    if scanner.null() { target = nil; return true }
                    target = scanner.string()
                    return target != nil
                }
                func number(_ target: inout Double?) -> Bool {
                    if scanner.null() { target = nil; return true }
                    target = scanner.number()
                    return target != nil
                }
                switch key {
                case "event":
                    event = scanner.string().flatMap(TelemetryRecord.Event.init(rawValue:))
                    return event != nil
                case "label": return text(&record.label)
                case "mode": return text(&record.mode)
                case "kind": return text(&record.errorKind)
                case "fn_count":
                    if scanner.null() { record.fnCount = nil; return true }
                    record.fnCount = scanner.integer()
                    return record.fnCount != nil
                case "value": return number(&record.value)
                case "contribution": return number(&record.contribution)
                case "loss_total": return number(&record.lossTotal)
                case "duration": return number(&record.duration)
                default: return scanner.skipValue()
                }
            }
            guard complete, let event else { return false }
            record.event = event
            records.append(record)
            return true
        }
        return complete ? records : nil
    }

    private static func observedError(_ scanner: inout ByteScanner) -> ObservedError? {
        var kind: String?, label: String?, message: String?, type: String?
        let complete = scanner.object { scanner, key in
            func optionalString(_ target: inout String?) -> Bool {
                if scanner.null() { target = nil; return true }
                target = scanner.string()
                return target != nil
            }
            switch key {
            case "kind": return optionalString(&kind)
            case "label": return optionalString(&label)
            case "type": return optionalString(&type)
            case "message":
                message = scanner.string()
                return message != nil
            default:
                return scanner.skipValue()
            }
        }
        guard complete, let message else { return nil }
        return ObservedError(kind: kind, label: label, message: message, type: type)
    }

    private static func requests(_ scanner: inout ByteScanner, kind: ForwardBackwardRequest.Kind) -> [ForwardBackwardRequest]? {
        var requests: [ForwardBackwardRequest] = []
        let complete = scanner.array { scanner in
            var lossFn: String?
            var data: [Datum]?
            let complete = scanner.object { scanner, key in
                switch key {
                case "loss_fn":
                    lossFn = scanner.string()
                    return lossFn != nil
                case "data":
                    var datums: [Datum] = []
                    let complete = scanner.array { scanner in
                        guard let datum = Self.datum(&scanner) else { return false }
                        datums.append(datum)
                        return true
                    }
                    data = datums
                    return complete
                default:
                    return scanner.skipValue()
                }
            }
            guard complete, let lossFn, let data else { return false }
            requests.append(ForwardBackwardRequest(kind: kind, lossFn: BackendLossFunction(rawValue: lossFn), data: data))
            return true
        }
        return complete ? requests : nil
    }

    static func datum(_ scanner: inout ByteScanner) -> Datum? {
        var chunks: [EncodedTextChunk]?
        var inputs: [String: TensorData]?
        let complete = scanner.object { scanner, key in
            switch key {
            case "model_input":
                return scanner.object { scanner, key in
                    guard key == "chunks" else { return scanner.skipValue() }
                    var found: [EncodedTextChunk] = []
                    let complete = scanner.array { scanner in
                        var tokens: [Int]?
                        let complete = scanner.object { scanner, key in
                            switch key {
                            case "tokens":
                                tokens = scanner.integers()
                                return tokens != nil
                            case "type":
                                if scanner.null() { return true }
                                return scanner.string() == "encoded_text"
                            default:
                                return scanner.skipValue()
                            }
                        }
                        guard complete, let tokens else { return false }
                        found.append(EncodedTextChunk(tokens: tokens))
                        return true
                    }
                    chunks = found
                    return complete
                }
            case "loss_fn_inputs":
                var found: [String: TensorData] = [:]
                let complete = scanner.object { scanner, key in
                    guard let tensor = Self.tensor(&scanner) else { return false }
                    found[key] = tensor
                    return true
                }
                inputs = found
                return complete
            default:
                return scanner.skipValue()
            }
        }
        guard complete, let chunks, let inputs else { return nil }
        return Datum(modelInput: ModelInput(chunks: chunks), lossFnInputs: inputs)
    }

    private static func tensor(_ scanner: inout ByteScanner) -> TensorData? {
        var data: [Double]?
        var dtype: TensorData.DType?
        var shape: [Int]?
        let complete = scanner.object { scanner, key in
            switch key {
            case "data":
                data = scanner.numbers()
                return data != nil
            case "dtype":
                dtype = scanner.string().flatMap(TensorData.DType.init(rawValue:))
                return dtype != nil
            case "shape":
                if scanner.null() { shape = nil; return true }
                shape = scanner.integers()
                return shape != nil
            default:
                return scanner.skipValue()
            }
        }
        guard complete, let data, let dtype else { return nil }
        return TensorData(data: data, dtype: dtype, shape: shape)
    }
}
