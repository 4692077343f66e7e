#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import SpecHarness

/// The protocol reader as a fuzz target: one line, from either side, to a message or an error,
/// never a trap. CI runs the corpus (`tools/fuzz/protocol-corpus`: captured traffic and every
/// input that once crashed); `tools/fuzz/protocol.sh` runs a mutation campaign of a million
/// inputs and more.
enum ProtocolFuzzTarget {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/fuzz/protocol-corpus")

    /// What the harness and `serve` do with a line: decode it as the stream reader does, parse,
    /// then read it as every message it could be. Returns whether the line parsed as JSON.
    @discardableResult
    static func exercise(_ bytes: [UInt8]) -> Bool {
        let line = String(decoding: bytes, as: UTF8.self)
        guard let json = try? JSONParser.parse(line) else { return false }
        _ = try? EngineProtocol.parseStarted(json)
        _ = try? ProtocolConformance.checkStarted(json)
        _ = try? ProtocolConformance.checkRunReply(json)
        let reader = JSONReader(json)
        _ = try? reader.field("seq").integer()
        _ = try? reader.optional("errored")?.string()
        if let observation = try? reader.field("observation").value {
            _ = try? Observation(json: observation).cappingEngineText()
        }
        if let caseJSON = json["case"] {
            _ = try? CaseInput(json: caseJSON)
        }
        // What serve echoes back must parse again.
        _ = try? JSONParser.parse(json.serialized())
        return true
    }

    static func corpusEntries() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name))))
        }
    }
}

/// A small deterministic generator (SplitMix64), so that a campaign can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutations that reach the parser's corners: escapes, numbers, nesting, bytes that are not UTF-8.
enum ProtocolMutator {
    static let dictionary: [[UInt8]] = [
        #"\ud800"#, #"\udc00"#, #"\u0041"#, #"\u"#, #"\uZZZZ"#, #"\u+123"#, #"\""#, "\\", "\"", "1e999", "-1e999", "1e-999",
        "99999999999999999999999", "-9223372036854775808", "NaN", "Infinity", "-Infinity", "-", ".", "e", "[", "]", "{", "}",
        ",", ":", "null", "true", "\"seq\":", "\"observation\":", "\"outcome\":\"error\"", "\"errored\":", "\"shape\":[-1]",
        "\u{FFFF}", "\u{0}",
    ].map { Array($0.utf8) } + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x0A], [0x0D]]

    static func mutate(_ input: [UInt8], pool: [[UInt8]], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<8, using: &random) {
            case 0 where !bytes.isEmpty:
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...16, using: &random))
                if position < end { bytes.removeSubrange(position..<end) }
            case 3, 4:
                bytes.insert(contentsOf: dictionary.randomElement(using: &random) ?? [], at: position)
            case 5:
                // Splice the tail of another input.
                let other = pool.randomElement(using: &random) ?? []
                let from = other.isEmpty ? 0 : Int.random(in: 0..<other.count, using: &random)
                bytes = Array(bytes[..<position]) + other[from...]
            case 6:
                let depth = Int.random(in: 1...600, using: &random)
                bytes.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "["), count: depth), at: position)
            default:
                bytes = Array(bytes[..<position])
            }
        }
        return bytes.count > 1 << 16 ? Array(bytes[..<(1 << 16)]) : bytes
    }
}

@Suite("Protocol reader fuzzing")
struct ProtocolFuzzTests {
    @Test("every corpus entry, captured traffic and past crashes, reads to a message or an error")
    func corpus() throws {
        let entries = try ProtocolFuzzTarget.corpusEntries()
        #expect(entries.count >= 20)
        var parsed = 0
        for entry in entries where ProtocolFuzzTarget.exercise(entry.bytes) { parsed += 1 }
        // The captured traffic parses; the crash entries are errors (or, like 1e999, values).
        #expect(parsed >= entries.filter { !$0.name.contains("crash") }.count)
    }

    @Test("the crash entries are errors, not values", arguments: [
        "crash-high-surrogate-then-letter", "crash-lone-low-surrogate", "crash-high-surrogate-at-end",
        "crash-signed-hex-escape", "crash-deep-nesting",
    ])
    func crashEntriesAreErrors(_ name: String) throws {
        let entry = try #require(try ProtocolFuzzTarget.corpusEntries().first { $0.name.contains(name) })
        #expect(!ProtocolFuzzTarget.exercise(entry.bytes))
    }

    @Test("a short seeded campaign in CI: 2000 mutations of the corpus")
    func shortCampaign() throws {
        let figures = try Self.campaign(iterations: 2000, seed: 1)
        #expect(figures.inputs == 2000)
    }

    /// The long campaign, run by `tools/fuzz/protocol.sh` (REGSPEC_FUZZ_ITERATIONS, REGSPEC_FUZZ_SEED).
    @Test("a campaign of REGSPEC_FUZZ_ITERATIONS mutations", .enabled(if: ProcessInfo.processInfo.environment["REGSPEC_FUZZ_ITERATIONS"] != nil))
    func longCampaign() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = Int(environment["REGSPEC_FUZZ_ITERATIONS"] ?? "") ?? 1_000_000
        let seed = UInt64(environment["REGSPEC_FUZZ_SEED"] ?? "") ?? 1
        let figures = try Self.campaign(iterations: iterations, seed: seed, lastInput: environment["REGSPEC_FUZZ_LAST_INPUT"])
        print("protocol fuzz: \(figures.inputs) inputs, seed \(seed), \(figures.parsed) parsed as JSON, \(figures.inputs - figures.parsed) rejected, 0 crashes")
    }

    /// Mutates the corpus `iterations` times. Before each input, writes it to `lastInput` (when
    /// given), so that a crash leaves the input that caused it.
    static func campaign(iterations: Int, seed: UInt64, lastInput: String? = nil) throws -> (inputs: Int, parsed: Int) {
        var pool = try ProtocolFuzzTarget.corpusEntries().map(\.bytes)
        var random = SplitMix64(state: seed)
        let fd = lastInput.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? -1
        defer { if fd >= 0 { close(fd) } }
        var parsed = 0
        for index in 0..<iterations {
            let base = pool.randomElement(using: &random) ?? []
            let input = ProtocolMutator.mutate(base, pool: pool, using: &random)
            if fd >= 0 {
                _ = ftruncate(fd, 0)
                _ = input.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            }
            if ProtocolFuzzTarget.exercise(input) {
                parsed += 1
                // Inputs that still parse make good parents; keep the pool small.
                if index % 64 == 0 && pool.count < 512 { pool.append(input) }
            }
        }
        return (iterations, parsed)
    }
}
