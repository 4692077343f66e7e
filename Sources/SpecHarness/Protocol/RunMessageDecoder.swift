import TinkerWire

/// Decodes a `run` message straight from its bytes into a `CaseInput`, without the
/// `JSONValue` tree: what `regspec serve` does for every case.
///
/// Like `ReplyDecoder`, a fast path only: it returns nil for anything that is not a
/// well-formed run message (another command, a wrong type, a missing field, a value the
/// tree path would refuse), and the caller takes the tree path, which answers with the
/// precise error. Where it accepts a message, it builds what `CaseInput(json:)` builds.
enum RunMessageDecoder {
    static func decode(_ line: String) -> (sequence: Int, input: CaseInput)? {
        var scanner = ByteScanner(Array(line.utf8))
        var command: String?
        var sequence: Int?
        var input: CaseInput?
        let complete = scanner.object { scanner, key in
            switch key {
            case "cmd":
                command = scanner.string()
                return command != nil
            case "seq":
                sequence = scanner.integer()
                return sequence != nil
            case "case":
                input = caseInput(&scanner)
                return input != nil
            default:
                return scanner.skipValue()
            }
        }
        guard complete, scanner.atEnd(), command == "run", let sequence, let input else { return nil }
        return (sequence, input)
    }

    private static func caseInput(_ scanner: inout ByteScanner) -> CaseInput? {
        var id: String?
        var datums: [Datum]?
        var logprobs: [[Double]]?
        var call: CallSpec?
        let complete = scanner.object { scanner, key in
            switch key {
            case "id":
                id = scanner.string()
                return id != nil
            case "data":
                var found: [Datum] = []
                let complete = scanner.array { scanner in
                    guard let datum = ReplyDecoder.datum(&scanner) else { return false }
                    found.append(datum)
                    return true
                }
                datums = found
                return complete
            case "logprobs":
                var rows: [[Double]] = []
                let complete = scanner.array { scanner in
                    guard let row = scanner.numbers() else { return false }
                    rows.append(row)
                    return true
                }
                logprobs = rows
                return complete
            case "call":
                call = callSpec(&scanner)
                return call != nil
            default:
                return scanner.skipValue()
            }
        }
        guard complete, let id, let datums, let logprobs, let call, datums.count == logprobs.count else { return nil }
        let data = zip(datums, logprobs).map { CaseDatum(datum: $0, logprobs: $1) }
        return CaseInput(id: id, data: data, call: call)
    }

    private static func callSpec(_ scanner: inout ByteScanner) -> CallSpec? {
        var lossFn: FnSpec?
        var regularizers: [RegularizerEntrySpec]?
        var options: CallOptions?
        var entryPoint: EntryPoint?
        let complete = scanner.object { scanner, key in
            switch key {
            case "loss_fn":
                if scanner.null() { lossFn = nil; return true }
                lossFn = fnSpec(&scanner)
                return lossFn != nil
            case "regularizers":
                var entries: [RegularizerEntrySpec] = []
                let complete = scanner.array { scanner in
                    var fields: ScalarKeyedDictionary<RegularizerEntrySpec.Field> = [:]
                    let complete = scanner.object { scanner, key in
                        // A catalogue reference is always an object; anything else is passed as written.
                        if key == "fn", scanner.peek(UInt8(ascii: "{")) {
                            guard let spec = fnSpec(&scanner) else { return false }
                            fields[key] = .fn(spec)
                            return true
                        }
                        guard let value = scanner.value() else { return false }
                        fields[key] = .value(value)
                        return true
                    }
                    guard complete else { return false }
                    entries.append(RegularizerEntrySpec(fields: fields, location: .start(of: "protocol")))
                    return true
                }
                regularizers = entries
                return complete
            case "options":
                options = callOptions(&scanner)
                return options != nil
            case "entry_point":
                entryPoint = scanner.string().flatMap(EntryPoint.init(rawValue:))
                return entryPoint != nil
            default:
                return scanner.skipValue()
            }
        }
        guard complete, let regularizers, let options, let entryPoint else { return nil }
        return CallSpec(lossFn: lossFn, regularizers: regularizers, options: options, entryPoint: entryPoint)
    }

    private static func callOptions(_ scanner: inout ByteScanner) -> CallOptions? {
        var options = CallOptions()
        let complete = scanner.object { scanner, key in
            if scanner.null() {
                switch key {
                case "track_grad_norms": options.trackGradNorms = false
                case "timeout_ms": options.timeoutMilliseconds = nil
                case "max_concurrency": options.maxConcurrency = nil
                default: break
                }
                return true
            }
            switch key {
            case "track_grad_norms":
                guard let flag = scanner.bool() else { return false }
                options.trackGradNorms = flag
            case "timeout_ms":
                guard let value = scanner.number(), Milliseconds.isValid(value, minimum: .leastNonzeroMagnitude) else { return false }
                options.timeoutMilliseconds = value
            case "max_concurrency":
                guard let limit = scanner.integer(), limit >= 1 else { return false }
                options.maxConcurrency = limit
            default:
                return scanner.skipValue()
            }
            return true
        }
        return complete ? options : nil
    }

    private static func fnSpec(_ scanner: inout ByteScanner) -> FnSpec? {
        var name: String?
        var spec = FnSpec(name: "", location: .start(of: "protocol"))
        let complete = scanner.object { scanner, key in
            if key != "name", scanner.null() {
                switch key {
                case "async": spec.isAsync = false
                case "delay_ms": spec.delayMilliseconds = nil
                case "scale": spec.scale = nil
                case "datums": spec.datums = nil
                case "metrics": spec.metrics = [:]
                case "params": spec.parameters = [:]
                default: break
                }
                return true
            }
            switch key {
            case "name":
                name = scanner.string()
                return name != nil
            case "async":
                guard let flag = scanner.bool() else { return false }
                spec.isAsync = flag
            case "delay_ms":
                guard let value = scanner.number(), Milliseconds.isValid(value, minimum: 0) else { return false }
                spec.delayMilliseconds = value
            case "scale":
                guard let value = scanner.number() else { return false }
                spec.scale = value
            case "datums":
                guard let datums = scanner.integers() else { return false }
                spec.datums = datums
            case "metrics":
                var metrics: ScalarKeyedDictionary<VerbatimMetric> = [:]
                let complete = scanner.object { scanner, key in
                    switch scanner.value() {
                    case .bool(let flag)?: metrics[key] = .bool(flag)
                    case .string("$loss")?: metrics[key] = .ownLoss
                    case .integer(let number)?: metrics[key] = .number(Double(number))
                    case .number(let number)?: metrics[key] = .number(number)
                    default: return false
                    }
                    return true
                }
                guard complete else { return false }
                spec.metrics = metrics
            case "params":
                var parameters: ScalarKeyedDictionary<JSONValue> = [:]
                let complete = scanner.object { scanner, key in
                    guard let value = scanner.value() else { return false }
                    parameters[key] = value
                    return true
                }
                guard complete else { return false }
                spec.parameters = parameters
            default:
                return scanner.skipValue()
            }
            return true
        }
        guard complete, let name else { return nil }
        spec.name = name
        return spec
    }
}

extension EngineProtocol {
    /// The sequence number and case of a `run` message line, decoded without a `JSONValue`
    /// tree; nil when the line is not a well-formed run message (the tree path then says why).
    package static func caseInput(inRunMessageLine line: String) -> (sequence: Int, input: CaseInput)? {
        RunMessageDecoder.decode(line)
    }
}
