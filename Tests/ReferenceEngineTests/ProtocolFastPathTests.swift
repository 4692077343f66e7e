import Foundation
import ReferenceEngine
import Testing
import TinkerWire
@testable import SpecHarness

/// The protocol's fast paths say exactly what the `JSONValue` tree path says: the same bytes
/// written, the same observations read, and a refusal (so the tree path reports the error)
/// for anything that is not a well-formed reply.
@Suite("Protocol fast paths")
struct ProtocolFastPathTests {
    static let shippedSpecs: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("specs").path

    /// Every shipped case with the reference's observation of it.
    static func shippedCases() async throws -> [(SpecCase, Observation)] {
        let suite = SpecLoader().load(paths: [shippedSpecs])
        try #require(suite.diagnostics.isEmpty)
        try #require(!suite.cases.isEmpty)
        var cases: [(SpecCase, Observation)] = []
        let reference = ReferenceEngine()
        for specCase in suite.cases {
            cases.append((specCase, await reference.run(specCase.input)))
        }
        return cases
    }

    @Test("written messages equal the serialized tree for every shipped case") func writtenMessagesEqualTheSerializedTreeForEveryShippedCase() async throws {
        for (index, (specCase, observation)) in try await Self.shippedCases().enumerated() {
            #expect(
                EngineProtocol.runMessageLine(sequence: index, input: specCase.input)
                    == EngineProtocol.runMessage(sequence: index, input: specCase.input).serialized(),
                "run message of \(specCase.id)")
            #expect(
                EngineProtocol.runReplyLine(sequence: index, observation: observation)
                    == EngineProtocol.runReply(sequence: index, observation: observation).serialized(),
                "reply to \(specCase.id)")
        }
    }

    @Test("decoded replies equal the tree decoding for every shipped case") func decodedRepliesEqualTheTreeDecodingForEveryShippedCase() async throws {
        for (index, (specCase, observation)) in try await Self.shippedCases().enumerated() {
            let line = EngineProtocol.runReply(sequence: index, observation: observation).serialized()
            let fast = try #require(ReplyDecoder.decode(line), "reply to \(specCase.id)")
            let tree = try Observation(json: try #require(try JSONParser.parse(line)["observation"]))
            #expect(fast.sequence == index)
            #expect(fast.errored == nil)
            let decoded = try #require(fast.observation)
            #expect(
                EngineProtocol.runReplyLine(sequence: 0, observation: decoded)
                    == EngineProtocol.runReplyLine(sequence: 0, observation: tree),
                "reply to \(specCase.id)")
        }
    }

    @Test("numbers strings and key order decode as the tree does") func numbersStringsAndKeyOrderDecodeAsTheTreeDoes() throws {
        let line = #"""
            {"observation": {"requests": {"backward": [], "forward": [{"data": [{"loss_fn_inputs":
            {"weights": {"dtype": "float32", "data": [0.5, -1e-3, 2, NaN, -Infinity], "shape": null}},
            "model_input": {"chunks": [{"tokens": [1, -2], "type": null}]}, "extra": [1, {"a": "b"}]}],
            "loss_fn": "cross_entropy"}]}, "metrics": {"loss_total": 1.25e2, "nested": {"x\"y\\n\u00e9": 3}},
            "outcome": "success"}, "seq": 7, "unknown": true}
            """#.replacingOccurrences(of: "\n", with: " ")
        // A \u escape is left to the tree path; without it the fast path reads everything.
        #expect(ReplyDecoder.decode(line) == nil)
        let plain = line.replacingOccurrences(of: #"\u00e9"#, with: "é")
        let fast = try #require(ReplyDecoder.decode(plain))
        let tree = try Observation(json: try #require(try JSONParser.parse(plain)["observation"]))
        #expect(fast.sequence == 7)
        let decoded = try #require(fast.observation)
        #expect(
            EngineProtocol.runReplyLine(sequence: 0, observation: decoded)
                == EngineProtocol.runReplyLine(sequence: 0, observation: tree))
        guard case .success(let metrics) = decoded.outcome else {
            Issue.record("expected a success outcome")
            return
        }
        #expect(metrics.number(at: ["loss_total"]) == 125)
        #expect(metrics.number(at: ["nested", "x\"y\\né"]) == 3)
        let weights = try #require(decoded.forwardRequests.first?.data.first?.lossFnInputs["weights"]?.data)
        #expect(weights[0] == 0.5 && weights[1] == -1e-3 && weights[2] == 2 && weights[3].isNaN && weights[4] == -.infinity)
    }

    @Test("an errored reply is read as errored") func anErroredReplyIsReadAsErrored() throws {
        let fast = try #require(ReplyDecoder.decode(#"{"seq": 3, "errored": "no such fn"}"#))
        #expect(fast.sequence == 3)
        #expect(fast.errored == "no such fn")
    }

    /// Negative controls: each of these is not a well-formed reply, and the fast path must
    /// hand it to the tree path rather than guess.
    @Test("malformed replies are left to the tree path", arguments: [
        #"{"seq": 1, "observation": {"outcome": "success", "metrics": {}, "requests": {"forward": [], "backward": []}}"#,
        #"{"seq": 1.0, "observation": {"outcome": "success", "metrics": {}, "requests": {"forward": [], "backward": []}}}"#,
        #"{"observation": {"outcome": "success", "metrics": {}, "requests": {"forward": [], "backward": []}}}"#,
        #"{"seq": 1}"#,
        #"{"seq": 1, "observation": null}"#,
        #"{"seq": 1, "observation": {"outcome": "maybe", "metrics": {}, "requests": {"forward": [], "backward": []}}}"#,
        #"{"seq": 1, "observation": {"outcome": "success", "requests": {"forward": [], "backward": []}}}"#,
        #"{"seq": 1, "observation": {"outcome": "error", "metrics": {}, "requests": {"forward": [], "backward": []}}}"#,
        #"{"seq": 1, "observation": {"outcome": "success", "metrics": {"a": true}, "requests": {"forward": [], "backward": []}}}"#,
        #"{"seq": 1, "observation": {"outcome": "success", "metrics": {}, "requests": {"forward": []}}}"#,
        #"{"seq": 1, "observation": {"outcome": "success", "metrics": {}, "requests": {"forward": [{"loss_fn": "x", "data": [{"model_input": {"chunks": [{"tokens": [1.5]}]}, "loss_fn_inputs": {}}]}], "backward": []}}}"#,
        #"{"seq": 1, "observation": {"outcome": "success", "metrics": {}, "requests": {"forward": [{"loss_fn": "x", "data": [{"model_input": {"chunks": [{"tokens": [1], "type": "image"}]}, "loss_fn_inputs": {}}]}], "backward": []}}}"#,
        #"{"seq": 1, "observation": {"outcome": "success", "metrics": {}, "requests": {"forward": [{"loss_fn": "x", "data": [{"model_input": {"chunks": []}, "loss_fn_inputs": {"w": {"data": [1], "dtype": "float16"}}}]}], "backward": []}}}"#,
        #"{"seq": 1, "errored": 5}"#,
        #"{"seq": 1, "errored": "x"} trailing"#,
        #"{"seq": 99999999999999999999, "errored": "x"}"#,
    ])
    func malformedRepliesAreLeftToTheTreePath(line: String) {
        #expect(ReplyDecoder.decode(line) == nil)
    }

    @Test("nesting deeper than the parser allows is refused") func nestingDeeperThanTheParserAllowsIsRefused() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(ReplyDecoder.decode(#"{"seq": 1, "errored": "x", "extra": \#(deep)}"#) == nil)
    }
}

/// The serve side's fast path reads run messages into the case the tree path reads.
@Suite("Run message fast path")
struct RunMessageFastPathTests {
    @Test("every shipped run message decodes as the tree decodes it") func everyShippedRunMessageDecodesAsTheTreeDecodesIt() async throws {
        for (index, (specCase, _)) in try await ProtocolFastPathTests.shippedCases().enumerated() {
            let line = EngineProtocol.runMessage(sequence: index, input: specCase.input).serialized()
            let fast = try #require(RunMessageDecoder.decode(line), "run message of \(specCase.id)")
            let tree = try CaseInput(json: try #require(try JSONParser.parse(line)["case"]))
            #expect(fast.sequence == index)
            #expect(
                EngineProtocol.runMessageLine(sequence: 0, input: fast.input)
                    == EngineProtocol.runMessageLine(sequence: 0, input: tree),
                "run message of \(specCase.id)")
        }
    }

    @Test("optional fields may be null or absent and unknown fields are skipped") func optionalFieldsMayBeNullOrAbsentAndUnknownFieldsAreSkipped() throws {
        let line = #"""
            {"seq": 4, "cmd": "run", "case": {"call": {"entry_point": "future", "options": {"timeout_ms": null,
            "max_concurrency": 2, "extra": [1]}, "regularizers": [{"name": "r", "weight": 0.5, "fn": {"name": "sum",
            "async": true, "delay_ms": 3, "scale": null, "datums": [0], "metrics": {"m": "$loss", "b": false, "n": 2},
            "params": {"beta": 0.1}}}, {"name": "odd", "weight": "heavy", "fn": "not a reference"}], "loss_fn": null},
            "logprobs": [[-1, -2.5]], "id": "x/y", "data": [{"model_input": {"chunks": [{"tokens": [1, 2]}]},
            "loss_fn_inputs": {"target_tokens": {"data": [2, 3], "dtype": "int64"}}}]}}
            """#.replacingOccurrences(of: "\n", with: " ")
        let fast = try #require(RunMessageDecoder.decode(line))
        let tree = try CaseInput(json: try #require(try JSONParser.parse(line)["case"]))
        #expect(fast.sequence == 4)
        #expect(EngineProtocol.runMessageLine(sequence: 0, input: fast.input) == EngineProtocol.runMessageLine(sequence: 0, input: tree))
        #expect(fast.input.call.options.maxConcurrency == 2)
        #expect(fast.input.call.regularizers.count == 2)
        #expect(fast.input.call.regularizers[0].fn?.metrics["m"] == .ownLoss)
    }

    /// Negative controls: messages the tree path answers with an error or another reply.
    @Test("messages the tree path must answer are refused", arguments: [
        #"{"cmd": "start", "version": 1}"#,
        #"{"cmd": "run", "seq": "1", "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [], "options": {}, "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [[1]], "call": {"regularizers": [], "options": {}, "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [], "options": {"max_concurrency": 0}, "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [], "options": {"timeout_ms": 1e300}, "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [], "options": {}, "entry_point": "later"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [{"fn": {"name": "sum", "delay_ms": -1}}], "options": {}, "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [{"fn": {"name": "sum", "metrics": {"m": "text"}}}], "options": {}, "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [{"fn": {"name": null}}], "options": {}, "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [], "entry_point": "call"}}}"#,
        #"{"cmd": "run", "seq": 1, "case": {"id": "a", "data": [], "logprobs": [], "call": {"regularizers": [], "options": {}, "entry_point": "call"}}} x"#,
    ])
    func messagesTheTreePathMustAnswerAreRefused(line: String) {
        #expect(RunMessageDecoder.decode(line) == nil)
    }
}

/// The scanner's numbers are bit for bit what `JSONParser` (and strtod) make of the text.
@Suite("Byte scanner numbers")
struct ByteScannerNumberTests {
    @Test("decimals equal the correctly rounded conversion") func decimalsEqualTheCorrectlyRoundedConversion() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        var texts = ["0.1", "-0.0", "0.5", "123456789012.345", "1.000000000000001", "9007199254740.993", "-1.25",
                     "0.000000000000000000001", "1e5", "1.5E-3", "12345678901234567.5", ".5", "-5.", "3.14159265358979"]
        for _ in 0..<20_000 {
            let digits = String(next() % 1_000_000_000_000_000)
            let point = Int(next() % UInt64(digits.count + 1))
            let text = (next() % 2 == 0 ? "-" : "") + String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            texts.append(text)
            let random = Double(bitPattern: next() << 11 | next() % 2048)
            if random.isFinite { texts.append(String(random.magnitude)) }
        }
        for text in texts {
            var scanner = ByteScanner(Array(text.utf8))
            let scanned = scanner.number()
            let atEnd = scanner.atEnd()
            guard let expected = (try? JSONParser.parse(text))?.doubleValue else {
                #expect(scanned == nil || !atEnd, "\(text) is not JSON")
                continue
            }
            #expect(scanned?.bitPattern == expected.bitPattern, "\(text)")
            #expect(atEnd, "\(text)")
        }
    }

    @Test("numbers that are not JSON are refused") func numbersThatAreNotJSONAreRefused() {
        for text in ["1.5.3", "-", "--1", "1e", "1.5-3", "+1", "Infinit", "nan"] {
            var scanner = ByteScanner(Array(text.utf8))
            let value = scanner.number()
            let atEnd = scanner.atEnd()
            #expect(value == nil || !atEnd, "\(text)")
        }
    }

    @Test("a reply with a repeated key is left to the tree path, which refuses it")
    func repeatedKeyFallsBack() {
        let line = #"{"seq": 1, "observation": {"outcome": "success", "metrics": {"loss_total": 1, "loss_total": 2}, "requests": {"forward": [], "backward": []}}}"#
        #expect(ReplyDecoder.decode(line) == nil)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(line) }
    }
}

