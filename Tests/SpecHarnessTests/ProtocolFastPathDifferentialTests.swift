import Foundation
import Testing
@testable import SpecHarness

/// The fast paths against the tree path on hostile text: a fast decoder may give up (the tree
/// then reads the line), but what it accepts, the tree must accept and read to the same bits.
@Suite("Protocol fast path differential")
struct ProtocolFastPathDifferentialTests {
    /// The slow conversion's verdict on a token, bit for bit.
    static func slow(_ token: String) -> UInt64? {
        Double(token)?.bitPattern
    }

    static func agree(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard let fast = DecimalConversion.double(bytes, 0..<bytes.count) else { return true }
        return fast.bitPattern == slow(token)
    }

    @Test("hostile number tokens convert as Double(String) converts them, or are left to it", arguments: [
        "0", "-0", "0.0", "-0.0", "-0e5", "0e-999", "00012.5", "5.", ".5", "-.5", "1.e5", "1E5", "1e+05", "1e-05",
        "1e", "1e+", ".", "-", "-e5", ".e5", "1.5.5", "--1", "1e5.5", "1e-400", "1e400", "0.5e-400",
        "9007199254740992", "9007199254740993", "9007199254740993.0", "90071992547409930e-1", "9007199254740995e0",
        "18446744073709551615.0", "18446744073709551616.0", "9999999999999999999", "99999999999999999999",
        "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324", "2.2250738585072011e-308",
        "0.000000000000000000000000001", "1234567890123456789e-27", "1234567890123456789e27", "1234567890123456789e28",
        // Near a midpoint between two doubles, with more digits than the fast path takes.
        "8796093022208.0009766", "-8796093022208.0009766", "8796093022208.0009765625", "8796093022208.0009765",
        "0.10000000149011612", "-2.3025850929940455", "1.0000000116860974e-07", "3.4028234663852886e+38",
        "123456789012345678.9", "0.30000000000000004", "1e22", "1e23", "9007199254740993e22", "1e00001", "1e000001",
    ])
    func hostileTokens(token: String) {
        #expect(Self.agree(token), "\(token): fast \(String(describing: DecimalConversion.double(Array(token.utf8), 0..<token.utf8.count))), slow \(String(describing: Double(token)))")
    }

    /// Texts whose one extended-precision operation lands exactly on a midpoint between two
    /// doubles while the exact value is not on it: ties-to-even from there is wrong.
    static let midpointTraps = [
        "1271870657085164404e22", "6558002233554158732e26", "6122225182120296152e15", "5994753306540226074e-6",
        "9665128196108294795e-20",
    ]

    @Test("midpoint traps convert as Double(String) converts them", arguments: ProtocolFastPathDifferentialTests.midpointTraps)
    func midpointTrapTokens(token: String) {
        #expect(Self.agree(token), "\(token)")
    }

    #if arch(x86_64) && !os(Windows)
    /// Negative control: the traps above would catch a fast path without its midpoint guard.
    @Test("without the midpoint guard the extended path gets the traps wrong") func midpointControl() throws {
        for token in Self.midpointTraps {
            let parts = token.split(separator: "e")
            let significand = try #require(UInt64(parts[0]))
            let exponent = try #require(Int(parts[1]))
            var power: Float80 = 1
            for _ in 0..<exponent.magnitude { power *= 10 }
            let extended = exponent < 0 ? Float80(significand) / power : Float80(significand) * power
            #expect(extended.significandBitPattern & 0x7FF == 0x400)
            #expect(Double(extended) != Double(token), "\(token)")
        }
    }
    #endif

    @Test("shortest forms of random doubles and float32 values convert exactly") func randomShortestForms() {
        var random = SplitMix64(state: 21)
        var converted = 0
        for index in 0..<20_000 {
            let bits = random.next()
            let value: Double = index % 2 == 0
                ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
                : Double(bitPattern: bits)
            guard value.isFinite else { continue }
            let token = "\(value)"
            let bytes = Array(token.utf8)
            if let fast = DecimalConversion.double(bytes, 0..<bytes.count) {
                converted += 1
                #expect(fast.bitPattern == value.bitPattern, "\(token)")
            }
        }
        // Most float32 values as doubles take the fast path; a path that gave up on all of
        // them would pass the comparison and measure nothing.
        #expect(converted > 5_000)
    }

    @Test("random decimal texts of up to 20 digits convert as Double(String) converts them") func randomDecimalTexts() {
        var random = SplitMix64(state: 7)
        for _ in 0..<20_000 {
            let digitCount = Int.random(in: 1...20, using: &random)
            var digits = (0..<digitCount).map { _ in Character(String(Int.random(in: 0...9, using: &random))) }
            if Bool.random(using: &random) { digits.insert(".", at: Int.random(in: 0...digits.count, using: &random)) }
            var token = String(digits)
            if Bool.random(using: &random) { token = "-" + token }
            if Int.random(in: 0..<3, using: &random) == 0 {
                token += (Bool.random(using: &random) ? "e" : "E") + ["", "+", "-"][Int.random(in: 0..<3, using: &random)]
                    + String(Int.random(in: 0...40, using: &random))
            }
            #expect(Self.agree(token), "\(token)")
        }
    }

    /// What the tree reads from a reply line, as the text the harness would write back; nil
    /// when the tree refuses the line.
    static func treeReply(_ line: String) -> String? {
        do {
            let reply = try JSONParser.parse(line)
            let reader = JSONReader(reply)
            let sequence = try reader.field("seq").integer()
            if let errored = try reader.optional("errored") { return "errored \(sequence) \(try errored.string())" }
            let observation = try Observation(json: try reader.field("observation").value)
            return EngineProtocol.runReplyLine(sequence: sequence, observation: observation)
        } catch {
            return nil
        }
    }

    static func fastReply(_ line: String) -> String?? {
        guard let fast = ReplyDecoder.decode(line) else { return .none }
        if let errored = fast.errored { return "errored \(fast.sequence) \(errored)" }
        guard let observation = fast.observation else { return .some(nil) }
        return EngineProtocol.runReplyLine(sequence: fast.sequence, observation: observation)
    }

    static func treeRun(_ line: String) -> String? {
        guard let message = try? JSONParser.parse(line), message["cmd"]?.stringValue == "run",
            case .integer(let sequence)? = message["seq"], let input = try? CaseInput(json: message["case"] ?? .null)
        else { return nil }
        return EngineProtocol.runMessageLine(sequence: sequence, input: input)
    }

    static let reply = #"{"seq":3,"observation":{"outcome":"success","metrics":{"loss_total":-2.3025850929940455,"x":{"y":1e-07}},"requests":{"forward":[{"loss_fn":"cross_entropy","data":[{"model_input":{"chunks":[{"tokens":[1,2,3],"type":"encoded_text"}]},"loss_fn_inputs":{"weights":{"data":[0.10000000149011612,-0.0,1.0],"dtype":"float32","shape":[3]}}}]}],"backward":[]},"telemetry":[{"event":"call_started","mode":"call","fn_count":1}]}}"#

    /// Substitutions into `reply`: repeated keys written two ways, escapes, odd numbers, nesting.
    static let substitutions: [(String, String)] = [
        (#""loss_total""#, #""loss\/total""#),
        (#""x":"#, #""loss_total":"#),
        (#""x":"#, #""loss_tot\u0061l":"#),
        (#""dtype":"float32""#, #""dtype":"float32","dt\u0079pe":"int64""#),
        (#""seq":3"#, #""seq":3,"s\u0065q":4"#),
        (#""seq":3"#, #""seq":3,"se\/q":4"#),
        // One key written two ways: comparing the bytes alone would miss the repeat.
        (#""x":{"y":1e-07}"#, #""a/b":1,"a\/b":2"#),
        (#""x":{"y":1e-07}"#, #""a\/b":1,"a/b":2"#),
        ("-0.0", "-0e0"),
        ("1e-07", "1E-7"),
        ("1e-07", "1e-400"),
        ("1e-07", "1e400"),
        ("1e-07", "12345678901234567890123e-30"),
        ("1e-07", "9665128196108294795e-20"),
        ("[1,2,3]", "[1,2,3.0]"),
        ("[1,2,3]", "[1,2,99999999999999999999]"),
        ("[1,2,3]", "[1,2,-0]"),
        (#""call""#, #""c\u00e0ll""#),
        (#""call""#, #""cäll""#),
        (#""x":{"y":1e-07}"#, #""x":{"y":{"z":{"w":[[[1]]]}}}"#),
    ]

    static var handMadeReplies: [String] {
        [reply] + substitutions.map { (from: String, to: String) -> String in reply.replacingOccurrences(of: from, with: to) }
    }

    @Test("hand-made hostile replies read the same through either path, or only through the tree",
          arguments: ProtocolFastPathDifferentialTests.handMadeReplies)
    func handMadeReplyLine(line: String) {
        if case .some(let fast) = Self.fastReply(line) {
            #expect(fast == Self.treeReply(line))
        }
    }

    @Test("the hand-made reply itself takes the fast path") func handMadeReplyIsFast() throws {
        let fast = try #require(Self.fastReply(Self.reply))
        #expect(fast == Self.treeReply(Self.reply))
    }

    @Test("every truncation of a reply is refused by both paths or read the same") func truncations() {
        let bytes = Array(Self.reply.utf8)
        for end in 0..<bytes.count {
            let line = String(decoding: bytes[..<end], as: UTF8.self)
            if case .some(let fast) = Self.fastReply(line) {
                #expect(fast == Self.treeReply(line), "first \(end) bytes")
            }
        }
    }

    static let numberDictionary: [[UInt8]] = [
        "-0.0", "-0", "0e0", "1e-7", "1E+300", "1e999", "4.9e-324", "1.7976931348623157e308", "0.10000000149011612",
        "-2.3025850929940455", "8796093022208.0009766", "18446744073709551616.0", "9223372036854775808", ".5", "5.", "1.e5",
        "00.5", "1e", "1e+", "--1", "\\u00e9", "\\ud83d\\ude00", "\"", "\\\"", "é", "\"seq\":1,\"seq\":2", "\"data\":[1,1]",
    ].map { Array($0.utf8) }

    @Test("mutated protocol lines: whatever the fast decoders accept, the tree reads the same") func mutatedLines() throws {
        let pool = try ProtocolFuzzTarget.corpusEntries().map(\.bytes)
        var random = SplitMix64(state: 2026)
        var fastReplies = 0, fastRuns = 0
        for iteration in 0..<4000 {
            // Half the lines take the general mutations; the other half only a value swapped
            // for a hostile number or escape, so that most of them stay lines the fast paths read.
            let base = pool.randomElement(using: &random) ?? []
            var input = iteration % 2 == 0 ? ProtocolMutator.mutate(base, pool: pool, using: &random) : base
            let separators = input.indices.filter { input[$0] == UInt8(ascii: ",") || input[$0] == UInt8(ascii: "[") }
            if let at = separators.randomElement(using: &random) {
                let insert = Self.numberDictionary.randomElement(using: &random) ?? []
                let end = input[(at + 1)...].firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "}") } ?? input.count
                // A key stands after `,` in an object: swap only values (not followed by `:`).
                if !input[(at + 1)..<end].contains(UInt8(ascii: ":")) {
                    input.replaceSubrange((at + 1)..<end, with: insert)
                }
            }
            let line = String(decoding: input, as: UTF8.self)
            if case .some(let fast) = Self.fastReply(line) {
                fastReplies += 1
                #expect(fast == Self.treeReply(line), "reply line: \(line.prefix(300))")
            }
            if let fast = RunMessageDecoder.decode(line) {
                fastRuns += 1
                #expect(EngineProtocol.runMessageLine(sequence: fast.sequence, input: fast.input) == Self.treeRun(line), "run line: \(line.prefix(300))")
            }
        }
        // The mutations must leave some lines the fast paths read, or the comparison is empty.
        #expect(fastReplies > 200)
        #expect(fastRuns > 100)
    }
}
