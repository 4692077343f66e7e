/// A message from the harness, as an engine reads it from its line: the one place that picks
/// the decoder on the engine's side.
///
/// A well-formed `run` takes `RunMessageDecoder`, straight from bytes; anything else takes the
/// `JSONValue` tree, whose reader names the precise error for the engine to answer with.
enum HarnessMessage {
    /// `start`, with the protocol version the harness asked for (nil when it named none).
    case start(version: JSONValue?)
    /// `run`; the case, or why it cannot be read (the reply is then an errored one for `sequence`).
    case run(sequence: Int, input: Result<CaseInput, ProtocolError>)
    case stop
    /// A line that is not a message the protocol defines; the engine answers with `error`.
    case unreadable(String)

    static func decode(_ line: String) -> HarnessMessage {
        if let (sequence, input) = RunMessageDecoder.decode(line) { return .run(sequence: sequence, input: .success(input)) }
        let message: JSONValue
        do {
            message = try JSONParser.parse(line)
        } catch {
            return .unreadable("the harness sent a line that is not JSON: \(error)")
        }
        switch message["cmd"]?.stringValue {
        case "start":
            return .start(version: message["version"])
        case "run":
            guard case .integer(let sequence)? = message["seq"] else { return .unreadable("a run message needs an integer seq") }
            do throws(ProtocolError) {
                return .run(sequence: sequence, input: .success(try CaseInput(json: message["case"] ?? .null)))
            } catch {
                return .run(sequence: sequence, input: .failure(error))
            }
        case "stop":
            return .stop
        default:
            return .unreadable("unknown command \(message["cmd"]?.serialized() ?? "none"); expected start, run or stop")
        }
    }
}
