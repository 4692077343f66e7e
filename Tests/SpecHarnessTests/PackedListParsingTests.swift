import Foundation
import Testing
@testable import SpecHarness

/// The pre-pass that reads lists of numbers before libyaml (`FlowNumberScanner`) against libyaml
/// alone: the same values, places and diagnostics for every input, hostile ones first.
@Suite("YAML lists of numbers read before libyaml")
struct PackedListParsingTests {
    /// A document read both ways: the text of each result, and whether the pre-pass was used.
    struct BothWays {
        let fast: String
        let slow: String
        let usedPrePass: Bool
    }

    static func bothWays(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) -> BothWays {
        let file = "t.yaml"
        let slow = YAMLValue.parse(YAMLByteSource(origin: .bytes(bytes), limit: limits.maximumBytes), file: file, limits: limits, packingLists: false)
        let fast = YAMLValue.parse(YAMLByteSource(origin: .bytes(bytes), limit: limits.maximumBytes), file: file, limits: limits)
        let used = YAMLValue.parseWithPackedLists(YAMLByteSource(origin: .bytes(bytes), limit: limits.maximumBytes), file: file, limits: limits) != nil
        return BothWays(fast: render(fast), slow: render(slow), usedPrePass: used)
    }

    static func bothWays(_ text: String) -> BothWays { bothWays(Array(text.utf8)) }

    /// Everything a reader of the tree can see: kinds, values to the bit, integer flags, and the
    /// place of every value, key and packed element; then each diagnostic in full.
    static func render(_ parsed: (value: YAMLValue?, diagnostics: [SpecDiagnostic])) -> String {
        var out = ""
        if let value = parsed.value { render(value, into: &out) } else { out += "no value" }
        for diagnostic in parsed.diagnostics { out += "\n! \(diagnostic)" }
        return out
    }

    static func render(_ value: YAMLValue, into out: inout String) {
        out += "@\(value.location.line):\(value.location.column) "
        switch value.content {
        case .null: out += "null"
        case .bool(let flag): out += "\(flag)"
        case .integer(let number): out += "int \(number)"
        case .number(let number): out += "num \(String(number.bitPattern, radix: 16))"
        case .string(let text): out += "str \(text.debugDescription)"
        case .sequence(let items):
            out += "seq ["
            for item in items { render(item, into: &out); out += ", " }
            out += "]"
        case .numbers(let list):
            out += "numbers \(list.file) ["
            for index in 0..<list.count {
                let place = list.location(at: index)
                out += "\(String(list.value(at: index).bitPattern, radix: 16))\(list.isInteger(at: index) ? "i" : "")@\(place.line):\(place.column) "
            }
            out += "]"
        case .mapping(let pairs):
            out += "map {"
            for pair in pairs {
                out += "\(pair.key.debugDescription)@\(pair.keyLocation.line):\(pair.keyLocation.column): "
                render(pair.value, into: &out)
                out += "; "
            }
            out += "}"
        }
    }

    /// Inputs the pre-pass reads: each must give exactly libyaml's tree, places included.
    static let readInputs: [String] = [
        "a: [1, 2, 3]\n",
        "a: [1,2,3]\nb: [-0.5, +7, 1e3, 2., .5, -.25, 0, -0, 007, 1E-2, 9007199254740992]\n",
        "a: [1, 2] # after\nb: x\n",
        "a: {x: [1, 2], y: [3.5, 4], z: [5]}\n",
        "a: [[1, 2], [3, 4], [5]]\n",
        "- [1, 2]\n- [3]\n- {k: [4, 5], j: w}\n",
        "a: [1,\n  2,\n3]\nb: [4, 5]\n",
        "a: [\n  1, 2,\n  3,\n]\nb: 2\n",
        "a: [1, 2,]\n",
        "a: [1 , 2 ,3 ]\n",
        "a: [1,\r\n 2]\r\nb: [3]\r\n",
        "\u{FEFF}a: [1, 2]\nb: [3]\n",
        "caf\u{E9}: [1, 2]\n\u{1F600}: {z: [3, 4], w: \u{E9}}\n",
        "a: &anchor [1, 2]\nb: !!seq [3]\nc: !tag [4, 5]\n",
        "a: \"[1, 2]\"\nb: [3]\nc: '[4]'\n",
        "a: [1, 2]\nb: [x, 1]\nc: [0x1F, 2]\nd: [1, .inf, .nan, -.Inf]\ne: [1_000, 2]\nf: [\"1\", 2]\n",
        "a: [1, 9007199254740993]\nb: [1, 123456789012345678901234567890, 1.7976931348623157e309]\n",
        "a: [0.1234567890123456789012345, 1e-400, 4.9e-324, 2.2250738585072011e-308]\n",
        "a: [1, 2]\n# a comment with [3, 4]\nb: |\n  literal\nc: [5]\n",
        "a:\n  b:\n    c: [1,\n2]\n    d: [3]\n",
        "a: [1, 2]\nb: [1, [2, 3], 4]\nc: [[[1]]]\n",
        "{a: [1, 2], b: [3]}\n",
        "[[1, 2], [3, 4]]\n",
        "a: [1, 2]   \nb: [   3   ]\n",
        "key with spaces: [1, 2, 3] \nother: [4]   # [5]\n",
    ]

    @Test("lists the pre-pass reads give libyaml's values and places", arguments: readInputs)
    func agrees(_ text: String) {
        let both = Self.bothWays(text)
        #expect(both.usedPrePass, "the pre-pass was not used for \(text.debugDescription)")
        #expect(both.fast == both.slow, "\(text.debugDescription)\nfast: \(both.fast)\nslow: \(both.slow)")
    }

    /// A list longer than libyaml's 1024 characters for a simple key.
    static let longList: String = "[" + (0..<600).map(String.init).joined(separator: ", ") + "]"

    static let longListInputs: [String] = ["a: 1\n\(longList): x\n", "a: 1\n\(longList)\nb: 2\n", "\(longList): x\n"]

    /// Inputs where a bracket is not a list of numbers, or the document has a problem: libyaml
    /// alone decides, and the result is libyaml's, diagnostics included.
    static let hostileInputs: [String] = longListInputs + [
        // Lists used as keys, short and long, in block and flow mappings.
        "[1, 2]: x\n", "a: 1\n[1, 2]: x\n", "{[1, 2]: x}\n", "[[1, 2]: x]\n", "? [1, 2]\n: x\n",
        "a: 1\n[1, 2]\n",
        // Brackets inside strings, comments and block scalars.
        "a: \"x [1, 2]\"\n", "a: 'it''s [1, 2]'\n", "a: b [1, 2]\n", "a: it's [1, 2]\n", "a: |\n  [1, 2]\n", "a: >\n  x\n  [1, 2]\nb: [3]\n",
        "a: x # [1, 2]\n", "a: x #[1, 2]\nb: [3]\n", "a: x#[1, 2]\n", "a: \"unterminated [1, 2]\n",
        // Malformed lists and what follows them.
        "a: [1, 2\n", "a: [1, 2]]\n", "a: [1, 2] x\n", "a: [1, 2]x\n", "a: [1,, 2]\n", "a: [,1]\n", "a: [1 2]\n", "a: [1\n, 2]\n",
        "a: [1, 2]:\n", "a: [1, 2] : x\n", "a: [1, 2]\n  b: 3\n", "a: [1, 2]\nb: [3, 4]\na: [5]\n",
        // Comments, tabs, CR alone and other line breaks inside lists.
        "a: [1, # one\n 2]\n", "a: [1,\t2]\n", "a: [\t1, 2]\n", "a: [1,\r2]\n", "a: [1,\u{85}2]\n", "a: [1,\u{2028}2]\n",
        "a:\t[1, 2]\n", "\ta: [1, 2]\n",
        // Anchors and aliases, tags, quoted numbers.
        "a: &x [1, 2]\nb: *x\n", "a: [1, *x]\n", "a: [&x 1, 2]\n", "a: [!!str 1, 2]\n", "a: !!str [1, 2]\n", "a: ['1', \"2\"]\n",
        // Several documents, directives, markers.
        "a: [1]\n---\nb: [2]\n", "%YAML 1.1\n---\na: [1, 2]\n", "a: [1,\n---\n2]\n", "a: [1,\n...\n2]\n", "a: [1, 2]\n...\n",
        // Special numbers and forms the pre-pass leaves to libyaml.
        "a: [.inf, -.inf, .nan, 0x10, 0o7, 1_0, +.5, 1e, e1, 1.2.3, --1, 1-, +, -, .]\n",
        // Encodings and bytes.
        "\u{FEFF}\u{FEFF}a: [1]\n", "a: [1, 2]\u{0}\n", "a: [1, \u{7F}2]\n",
        // Empty and odd documents.
        "", "[]\n", "[1]\n", "a: []\nb: [1]\n", "- [1]\n- - [2]\n  - [3]\n",
    ]

    @Test("hostile and malformed inputs give libyaml's values and diagnostics", arguments: hostileInputs)
    func hostile(_ text: String) {
        let both = Self.bothWays(text)
        #expect(both.fast == both.slow, "\(text.debugDescription)\nfast: \(both.fast)\nslow: \(both.slow)")
    }

    @Test("bytes that are not UTF-8, and UTF-16, give libyaml's diagnostics")
    func encodings() {
        let inputs: [[UInt8]] = [
            Array("a: [1, 2]\nb: ".utf8) + [0xFF, 0x0A],
            Array("a: [1, 2] ".utf8) + [0xC3, 0x0A],
            Array("a: [1, 2]\n".utf8) + [0xED, 0xA0, 0x80],
            [0xFF, 0xFE] + Array("a: [1]\n".utf8).flatMap { [$0, 0] },
            [0xFE, 0xFF] + Array("a: [1]\n".utf8).flatMap { [0, $0] },
        ]
        for bytes in inputs {
            let both = Self.bothWays(bytes)
            #expect(both.fast == both.slow, "\(bytes)\nfast: \(both.fast)\nslow: \(both.slow)")
        }
    }

    @Test("bounds give libyaml's diagnostics: size, values, depth")
    func bounds() {
        let text = "a: [1, 2]\nb: [3, 4]\nc: x\nd: [[1]]\n"
        for limits in [YAMLLimits(maximumBytes: 12), YAMLLimits(maximumValues: 3), YAMLLimits(maximumDepth: 2), YAMLLimits(maximumDepth: 1)] {
            let both = Self.bothWays(Array(text.utf8), limits: limits)
            #expect(both.fast == both.slow, "\(limits)\nfast: \(both.fast)\nslow: \(both.slow)")
        }
        let deep = String(repeating: "[", count: 300) + "1, 2" + String(repeating: "]", count: 300) + "\n"
        let both = Self.bothWays(deep)
        #expect(both.fast == both.slow)
        #expect(both.fast.contains("nested"))
    }

    @Test("a spec file on disk reads the same both ways, through the pre-pass")
    func fromFile() throws {
        let path = NSTemporaryDirectory() + "packed-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Longer than the pre-pass's window, with a list crossing its edge.
        let numbers = (0..<40_000).map { "\(Double($0) / 7)" }.joined(separator: ", ")
        let text = "\u{FEFF}caf\u{E9}: [1, 2]\r\nbig: [\(numbers)]\nafter: {x: [3,\n  4], y: z}\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let fast = YAMLValue.parse(fileAtPath: path, displayName: "t.yaml")
        let slow = YAMLValue.parse(
            YAMLByteSource(origin: .bytes(Array(text.utf8)), limit: YAMLLimits().maximumBytes), file: "t.yaml", limits: YAMLLimits(), packingLists: false)
        #expect(Self.render(fast) == Self.render(slow))
        let source = try #require(YAMLByteSource.file(atPath: path, limit: YAMLLimits().maximumBytes))
        #expect(YAMLValue.parseWithPackedLists(source, file: "t.yaml", limits: YAMLLimits()) != nil)
    }

    /// Random documents built from the pieces above: lists of numbers in every layout, next to
    /// strings, comments, anchors, tags and non-numeric lists, sometimes broken.
    @Test("random documents read the same both ways")
    func randomDocuments() {
        var generator = SplitMix64(state: 0x5EED_2026)
        var usedPrePass = 0
        for round in 0..<1500 {
            let text = Self.randomDocument(&generator)
            let both = Self.bothWays(text)
            if both.usedPrePass { usedPrePass += 1 }
            #expect(both.fast == both.slow, "round \(round): \(text.debugDescription)\nfast: \(both.fast)\nslow: \(both.slow)")
            if both.fast != both.slow { break }
        }
        // Most random documents must go through the pre-pass, or this compares libyaml with itself.
        #expect(usedPrePass > 500, "\(usedPrePass)")
    }

    static func randomNumber(_ generator: inout SplitMix64) -> String {
        switch generator.next() % 8 {
        case 0: return String(Int(generator.next() % 2000) - 1000)
        case 1: return String(format: "%.6f", Double(Int64(bitPattern: generator.next() % 2_000_000)) / 1e6 - 1)
        case 2: return String(format: "%.17g", Double(bitPattern: generator.next() >> 2) )
        case 3: return ["-.5", "+7", "2.", ".25", "1e3", "1E-2", "-0", "007", "9007199254740993", "0x1F", ".inf", "1_0", "\"3\"", "x"].randomPick(&generator)
        case 4: return String(format: "%.3e", Double(Int64(bitPattern: generator.next() % 1_000_000)) / 997)
        default: return String(generator.next() % 1000)
        }
    }

    static func randomList(_ generator: inout SplitMix64, depth: Int = 0) -> String {
        let count = Int(generator.next() % 6) + (generator.next() % 5 == 0 ? 0 : 1)
        var text = "["
        let breaks = ["", "", "", " ", "\n  ", "\r\n ", "\n", " # c\n "]
        for index in 0..<count {
            if index > 0 { text += [",", ", ", " ,", ",  "].randomPick(&generator) + (generator.next() % 4 == 0 ? breaks.randomPick(&generator) : "") }
            if depth < 2, generator.next() % 12 == 0 {
                text += randomList(&generator, depth: depth + 1)
            } else {
                text += randomNumber(&generator)
            }
        }
        if generator.next() % 10 == 0 { text += "," }
        text += [" ", "", "", "\n"].randomPick(&generator) + "]"
        return text
    }

    static func randomDocument(_ generator: inout SplitMix64) -> String {
        var text = generator.next() % 10 == 0 ? "\u{FEFF}" : ""
        let newline = generator.next() % 5 == 0 ? "\r\n" : "\n"
        let keys = ["a", "b", "caf\u{E9}", "k\u{1F600}", "long key", "x", "y"]
        let lines = Int(generator.next() % 6) + 1
        for line in 0..<lines {
            let key = keys[line % keys.count] + String(line)
            switch generator.next() % 12 {
            case 0: text += "\(key): \"s [1, 2] \\\" x\"\(newline)"
            case 1: text += "\(key): {p: \(randomList(&generator)), q: \(randomList(&generator))}\(newline)"
            case 2: text += "\(key): &an\(line) \(randomList(&generator))\(newline)"
            case 3: text += "\(key): !!seq \(randomList(&generator)) # [9]\(newline)"
            case 4: text += "\(key):\(newline)  - \(randomList(&generator))\(newline)  - \(randomList(&generator))\(newline)"
            case 5: text += "\(key): |\(newline)  [1, 2]\(newline)"
            case 6: text += "\(key): [\(randomList(&generator)), \(randomList(&generator))]\(newline)"
            case 7 where generator.next() % 4 == 0: text += ["\(key): [1, 2] x\(newline)", "\(randomList(&generator)): v\(newline)", "\(key): [1, 2\(newline)", "\(key): *an0\(newline)", "a0: dup\(newline)"].randomPick(&generator)
            default: text += "\(key): \(randomList(&generator))\(newline)"
            }
        }
        return text
    }

    @Test("numbers read by the pre-pass are strtod's, bit for bit")
    func correctlyRounded() {
        var generator = SplitMix64(state: 0xD1_6175)
        var tokens: [String] = ["0.1", "0.3", "1e23", "8.98846567431158e307", "2.2250738585072011e-308", "4.9406564584124654e-324",
            "1.7976931348623157e308", "9007199254740993.0", "0.1234567890123456789", "123456789012345.6789", "-0.000001"]
        for _ in 0..<30_000 {
            switch generator.next() % 4 {
            case 0:
                // An integer above 2^53 is not packed; as a decimal it is.
                let text = String(format: "%.17g", Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF))
                tokens.append(text.contains(".") || text.contains("e") ? text : text + ".0")
            case 1: tokens.append(String(format: "%.6f", Double(Int64(bitPattern: generator.next() % 20_000_000_000)) / 1e6 - 10_000))
            case 2:
                var digits = ""
                for _ in 0..<(Int(generator.next() % 25) + 1) { digits += String(generator.next() % 10) }
                let point = Int(generator.next() % UInt64(digits.count + 1))
                let index = digits.index(digits.startIndex, offsetBy: point)
                tokens.append((generator.next() % 2 == 0 ? "-" : "") + digits[..<index] + "." + digits[index...])
            default:
                tokens.append(String(format: "%.\(generator.next() % 17)e", Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF)))
            }
        }
        let text = "a: [" + tokens.joined(separator: ", ") + "]\n"
        let bytes = Array(text.utf8)
        guard let parsed = YAMLValue.parseWithPackedLists(YAMLByteSource(origin: .bytes(bytes), limit: 1 << 30), file: "n.yaml", limits: YAMLLimits()),
            case .mapping(let pairs)? = parsed.value?.content, case .numbers(let list) = pairs.first?.value.content
        else {
            Issue.record("not read as a packed list by the pre-pass")
            return
        }
        #expect(list.count == tokens.count)
        for (index, token) in tokens.enumerated() where index < list.count {
            let expected = token.withCString { strtod($0, nil) }
            #expect(list.value(at: index).bitPattern == expected.bitPattern, "\(token)")
        }
    }
}

extension Array {
    fileprivate func randomPick(_ generator: inout SplitMix64) -> Element {
        self[Int(generator.next() % UInt64(count))]
    }
}
