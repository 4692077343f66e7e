import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

/// Hostile spec files: each test is the reproduction of a crash, hang or corrupted diagnostic.
@Suite("Hostile spec files")
struct SpecLoaderHardeningTests {
    /// A case whose data is `data: {fixture: NAME}`.
    func fixtureCase(_ name: String) -> String {
        specFile(data: "data: {fixture: \(name)}")
    }

    @Test("a fixture that names itself is a diagnostic naming the cycle, not a stack overflow")
    func selfReferentialFixture() throws {
        let workspace = try SpecWorkspace()
        let loop = try workspace.write("fixtures/loop.yaml", "data: {fixture: loop.yaml}\n")
        try workspace.write("specs/a.yaml", fixtureCase("loop.yaml"))
        let diagnostics = workspace.load("specs").diagnostics
        #expect(diagnostics.count == 1)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.location == SourceLocation(file: loop, line: 1, column: 17))
        #expect(diagnostic.message.contains("cycle: loop.yaml -> loop.yaml"), "\(diagnostic)")
    }

    @Test("fixtures a -> b -> a, spelt differently, are a cycle")
    func fixtureCycleThroughTwoFiles() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("fixtures/a.yaml", "data: {fixture: sub/b.yaml}\n")
        let second = try workspace.write("fixtures/sub/b.yaml", "summary: back\ndata: {fixture: ./sub/../a.yaml}\n")
        try workspace.write("specs/a.yaml", fixtureCase("a.yaml"))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.location.file == second)
        #expect(diagnostic.location.line == 2)
        #expect(diagnostic.message.contains("a.yaml -> sub/b.yaml -> ./sub/../a.yaml"), "\(diagnostic)")
    }

    @Test("a long chain of fixture files is bounded")
    func fixtureDepth() throws {
        let workspace = try SpecWorkspace()
        for index in 0..<40 { try workspace.write("fixtures/f\(index).yaml", "data: {fixture: f\(index + 1).yaml}\n") }
        try workspace.write("specs/a.yaml", fixtureCase("f0.yaml"))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("more than 16 deep"), "\(diagnostic)")
    }

    @Test("a chain of fixtures that ends in datums loads")
    func fixtureChainLoads() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("fixtures/outer.yaml", "data: {fixture: inner.yaml}\n")
        try workspace.write("fixtures/inner.yaml", "data: [{tokens: [1, 2], targets: [2, 3], weights: [1.0, 0.5], logprobs: [-1.0, -2.0]}]\n")
        try workspace.write("specs/a.yaml", fixtureCase("outer.yaml"))
        let suite = workspace.load("specs")
        #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        #expect(suite.cases.first?.input.data.first?.logprobs == [-1.0, -2.0])
    }

    /// 361 bytes that Yams expanded to 9^9 nodes.
    static let aliasBomb: String = {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1..<10 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test("an alias bomb is rejected at its first alias, before anything is expanded")
    func aliasBomb() throws {
        let workspace = try SpecWorkspace()
        let path = try workspace.write("specs/bomb.yaml", Self.aliasBomb)
        let diagnostics = workspace.load("specs").diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location == SourceLocation(file: path, line: 2, column: 10))
        #expect(diagnostics.first?.message.contains("aliases are not supported") == true)
    }

    @Test("an alias anywhere in a spec file is a located diagnostic")
    func alias() throws {
        let workspace = try SpecWorkspace()
        let text = specFile().replacingOccurrences(of: "summary: an example case", with: "summary: &s an example case\n    tags: [*s]")
        try workspace.write("specs/a.yaml", text)
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("aliases are not supported in spec files (*s)"))
        #expect(diagnostic.location.line == 5)
    }

    @Test("a file larger than the limit is refused after reading the limit, whatever it is")
    func sizeBound() throws {
        let workspace = try SpecWorkspace()
        let path = try workspace.write("specs/a.yaml", specFile())
        var loader = SpecLoader()
        loader.limits.yaml.maximumBytes = 64
        let diagnostic = try #require(loader.load(paths: [path]).diagnostics.first)
        #expect(diagnostic.message.contains("larger than 64 bytes"))
    }

    @Test("a document of more values than the limit is refused, a list of numbers is not counted")
    func valueBound() throws {
        var limits = YAMLLimits()
        limits.maximumValues = 1000
        let numbers = "value: [" + (0..<5000).map(String.init).joined(separator: ", ") + "]\n"
        #expect(throws: Never.self) { try YAMLValue.parse(numbers, file: "n.yaml", limits: limits) }
        let words = "value: [" + Array(repeating: "a", count: 5000).joined(separator: ", ") + "]\n"
        #expect { try YAMLValue.parse(words, file: "w.yaml", limits: limits) } throws: { error in
            (error as? SpecDiagnostic)?.message.contains("more than 1000 values") == true
        }
        let mixed = "value: [" + (0..<5000).map(String.init).joined(separator: ", ") + ", x]\n"
        #expect(throws: SpecDiagnostic.self) { try YAMLValue.parse(mixed, file: "m.yaml", limits: limits) }
    }

    @Test("deep nesting, in flow or block style, is a diagnostic, not a stack overflow")
    func depthBound() throws {
        let workspace = try SpecWorkspace()
        let depth = 100_000
        try workspace.write("specs/a.yaml", "suite: x\ncases: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n")
        let flow = try #require(workspace.load("specs").diagnostics.first)
        #expect(flow.message.contains("nested more than"), "\(flow)")
        let block = (0..<300).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"
        try workspace.write("specs/a.yaml", block)
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.message.contains("nested more than 200 levels"), "\(diagnostic)")
        #expect(diagnostic.location.line == 201)
    }

    @Test("a FIFO or device is refused, not read forever")
    func specialFile() throws {
        let diagnostic = try #require(SpecLoader().load(paths: ["/dev/zero"]).diagnostics.first)
        #expect(diagnostic.message.contains("not a regular file"))
    }

    @Test("control characters in an id are escaped and the diagnostic stays on its line")
    func controlCharactersInDiagnostics() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(id: "\"bad\\e[2J\\nid\\u202E\""))
        let diagnostics = workspace.load("specs").diagnostics
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.description.contains(#"the id 'bad\u{1B}[2J\nid\u{202E}' has characters"#), "\(diagnostic)")
        for diagnostic in diagnostics {
            let lines = diagnostic.description.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count <= 2)
            #expect(lines[0].contains(": error: "))
            #expect(!diagnostic.description.unicodeScalars.contains { UserText.needsEscape($0) && $0 != "\n" })
        }
    }

    @Test("every C0 and C1 control, DEL, bidi control and noncharacter is escaped", arguments: [
        Array(0x00...0x1F) + Array(0x7F...0x9F), [0x202E, 0x2066, 0x200B, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF, 0x1FFFF, 0xFDD0],
    ])
    func escapesEveryControl(_ codePoints: [UInt32]) throws {
        for codePoint in codePoints {
            let scalar = try #require(Unicode.Scalar(codePoint))
            let escaped = UserText.quoted("a" + String(Character(scalar)) + "b")
            #expect(escaped.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "U+\(String(codePoint, radix: 16))")
            let diagnostic = SpecDiagnostic(.start(of: "f\(String(Character(scalar))).yaml"), "m" + String(Character(scalar)), hint: "h" + String(Character(scalar)))
            #expect(diagnostic.description.unicodeScalars.filter { $0 == "\n" }.count == 1)
        }
        #expect(UserText.quoted(#"it's a \ back"#) == #"'it\'s a \\ back'"#)
        #expect(UserText.escaped("plain café") == "plain café")
    }

    @Test("a control character is reported at its line and column", arguments: [
        ("    summary: \"ab\u{1B}c\"\n", 17, "control characters are not allowed"),
        ("    summary: ab\u{7}c\n", 16, "control characters are not allowed"),
    ])
    func readerErrorPosition(_ line: String, _ column: Int, _ problem: String) throws {
        let workspace = try SpecWorkspace()
        let path = try workspace.write("specs/a.yaml", "suite: x\ncases:\n  - id: a\n" + line)
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.location == SourceLocation(file: path, line: 4, column: column))
        #expect(diagnostic.message.contains(problem))
        #expect(!diagnostic.description.contains("\u{1B}"))
    }

    @Test("bytes that are not UTF-8 are reported at their line and column")
    func invalidUTF8Position() throws {
        let workspace = try SpecWorkspace()
        let path = workspace.root + "/specs/a.yaml"
        try Data("suite: x\ncases:\n  - id: é\n    summary: ab".utf8 + [0xFF] + Array("c\n".utf8)).write(to: URL(fileURLWithPath: path))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.location == SourceLocation(file: path, line: 4, column: 16))
        #expect(diagnostic.message.contains("invalid leading UTF-8 octet (byte 0xFF)"))
    }

    @Test("byte offsets become lines and columns across every kind of line break")
    func textPositions() {
        let text = Array("ab\ncd\r\nef\rgé\u{85}h\u{2028}ij".utf8)
        func position(of marker: String) -> (Int, Int) {
            let offset = text.firstRange(of: Array(marker.utf8))!.lowerBound
            let found = TextPosition.of(byteOffset: offset, in: text)
            return (found.line, found.column)
        }
        #expect(position(of: "b") == (1, 2))
        #expect(position(of: "d") == (2, 2))
        #expect(position(of: "f") == (3, 2))
        #expect(position(of: "é") == (4, 2))
        #expect(position(of: "h") == (5, 1))
        #expect(position(of: "j") == (6, 2))
    }

    @Test("validate lists every misspelt key in one pass, in the file, the case and every part of it")
    func everyMisspeltKey() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", """
            suite: example
            sumary: seven typos
            cases:
              - id: example/one
                sumary: an example case
                cover: {rules: [composition.contribution]}
                data:
                  - {tokens: [1, 2], target: [2, 3], weights: [1.0, 0.5], logprobs: [-1.0, -2.0]}
                call:
                  regularizer:
                    - {name: total, weight: 0.5, fn: sum}
                  option: {track_grad_norms: true}
                expect:
                  metric: {loss_total: -1.5}
            """)
        let diagnostics = workspace.load("specs").diagnostics
        let unknown = diagnostics.filter { $0.message.contains("unknown key") }
        #expect(unknown.map(\.location.line) == [2, 5, 6, 8, 10, 12, 14], "\(diagnostics)")
        #expect(diagnostics.count == 7, "one diagnostic per typo, no follow-on 'has no' ones: \(diagnostics)")
    }

    @Test("problems in different parts of a case, and in different cases, are all reported")
    func everyProblemAcrossParts() throws {
        let workspace = try SpecWorkspace()
        let broken = specFile(id: "example/one")
            .replacingOccurrences(of: "summary: an example case", with: "summary: [not, a, string]")
            .replacingOccurrences(of: "fn: sum}", with: "fn: sum_of_square}")
            .replacingOccurrences(of: "loss_total: -1.5", with: "loss_total: yes")
        let second = specFile(id: "example/two").replacingOccurrences(of: "suite: example\ncases:\n", with: "")
            .replacingOccurrences(of: "composition.contribution", with: "composition.contribute")
        try workspace.write("specs/a.yaml", broken + second)
        let messages = workspace.load("specs").diagnostics.map(\.message)
        #expect(messages.count == 4, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("case 'example/one': summary must be a string") })
        #expect(messages.contains { $0.hasPrefix("case 'example/one': unknown catalogue fn 'sum_of_square'") })
        #expect(messages.contains { $0.hasPrefix("case 'example/one': metrics.loss_total must be a number") })
        #expect(messages.contains { $0.hasPrefix("case 'example/two': unknown id 'composition.contribute'") })
    }

    @Test("a duplicate key is reported and the rest of the file still checked")
    func duplicateKeyThenMore() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile().replacingOccurrences(of: "summary: an example case", with: "summary: a\n    summary: b\n    tag: [x]"))
        let messages = workspace.load("specs").diagnostics.map(\.message)
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.first?.contains("the key 'summary' appears twice") == true)
        #expect(messages.last?.contains("unknown key 'tag'") == true)
    }

    @Test("keys that differ only in their Unicode spelling are two keys")
    func keysComparedByScalars() throws {
        let root = try YAMLValue.parse("caf\u{E9}: 1\ncafe\u{301}: 2\n", file: "k.yaml")
        guard case .mapping(let pairs) = root.content else { Issue.record("not a mapping"); return }
        #expect(pairs.count == 2)
    }
}

@Suite("Packed number lists")
struct NumberListTests {
    func value(_ yaml: String) throws -> YAMLValue {
        let root = try YAMLValue.parse("value: \(yaml)\n", file: "n.yaml")
        guard case .mapping(let pairs) = root.content, let value = pairs.first?.value else { throw SpecDiagnostic(.start(of: "n.yaml"), "not a mapping") }
        return value
    }

    @Test("a list of plain numbers is packed and keeps every element's line and column")
    func packed() throws {
        let list = try value("[1, -2.5,\n    3e2, .inf]")
        guard case .numbers(let numbers) = list.content else { Issue.record("not packed: \(list.kindName)"); return }
        #expect(numbers.count == 4)
        #expect(numbers.values == [1, -2.5, 300, .infinity])
        #expect((0..<4).map(numbers.isInteger(at:)) == [true, false, false, false])
        #expect(numbers.location(at: 1) == SourceLocation(file: "n.yaml", line: 1, column: 12))
        #expect(numbers.location(at: 2) == SourceLocation(file: "n.yaml", line: 2, column: 5))
        #expect(try list.numberArray("value").values == [1, -2.5, 300, .infinity])
        #expect(throws: SpecDiagnostic.self) { try list.integers("value") }
    }

    @Test("the exact decimal fast path agrees bit for bit with strtod")
    func exactDecimal() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0.0", "-0.0", "1.", "+.5", "-0.010000", "123456789012345.0", "0.1234567890123456789012", "9.999999999999999"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...15, using: &generator)
            let point = Int.random(in: 0...digits, using: &generator)
            var text = Int.random(in: 0...1, using: &generator) == 0 ? "-" : ""
            for position in 0..<digits {
                if position == point { text += "." }
                text += String(Int.random(in: 0...9, using: &generator))
            }
            if point == digits { text += "." }
            texts.append(text)
        }
        for text in texts {
            var copy = text
            let fast = copy.withUTF8 { YAMLCoreSchema.exactDecimal($0) }
            // Longer texts may leave the fast path (nil) for strtod; what it answers must be strtod's answer.
            if text.filter(\.isNumber).count <= 15 || fast != nil {
                #expect(fast?.bitPattern == Double(text)?.bitPattern, "\(text)")
            }
        }
        for text in [".", "-.", "1.2.3", "1e5", "1.5e3", "0.00000000000000000000001", "1234567890123456.0", "x"] {
            var copy = text
            #expect(copy.withUTF8 { YAMLCoreSchema.exactDecimal($0) } == nil, "\(text)")
        }
    }

    @Test("lists with text, quoted numbers, tags or huge integers stay lists of values", arguments: [
        "[1, x]", "[1, \"2\"]", "[1, !!str 2]", "[9007199254740993]", "[1, null]", "[[1, 2], [3, 4]]",
    ])
    func notPacked(_ yaml: String) throws {
        let list = try value(yaml)
        guard case .sequence = list.content else { Issue.record("packed: \(yaml)"); return }
    }

    @Test("a packed list larger than one chunk reads back in order with its locations")
    func manyChunks() throws {
        let count = NumberList.chunkSize * 2 + 3
        let list = try value("[" + (0..<count).map(String.init).joined(separator: ", ") + "]")
        guard case .numbers(let numbers) = list.content else { Issue.record("not packed"); return }
        #expect(numbers.values == (0..<count).map(Double.init))
        #expect(try list.integers("value") == Array(0..<count))
        #expect(numbers.location(at: count - 1).line == 1)
    }

    @Test("a negative token in a long inline list is reported at that token")
    func tokenLocation() throws {
        let workspace = try SpecWorkspace()
        let path = try workspace.write("specs/a.yaml", specFile(data: """
            data:
                  - {tokens: [1, 2, 3, 4,
                       5, -6], targets: [2, 3], logprobs: [-1.0, -2.0]}
            """))
        let diagnostic = try #require(workspace.load("specs").diagnostics.first)
        #expect(diagnostic.location == SourceLocation(file: path, line: 8, column: 15))
        #expect(diagnostic.message.contains("token ids are non-negative"))
    }
}

@Suite("Input paths")
struct InputPathTests {
    @Test("parents, joins and normal forms of short and odd paths", arguments: [
        ("t/x.yaml", "t", "x.yaml"), ("./x", ".", "x"), ("/x", "/", "x"), ("x", ".", "x"), ("t", ".", "t"),
        ("/", "/", "/"), ("", ".", "."), ("a//b/", "a", "b"), ("../x", "..", "x"),
    ])
    func lexicalPath(_ path: String, _ parent: String, _ last: String) {
        #expect(LexicalPath(path).parent.text == parent)
        #expect(LexicalPath(path).lastComponent == last)
    }

    @Test("joining and normalizing")
    func joining() {
        #expect(LexicalPath(".").appending("fixtures").text == "fixtures")
        #expect(LexicalPath("/").appending("fixtures").text == "/fixtures")
        #expect(LexicalPath("t/").appending("x").text == "t/x")
        #expect(LexicalPath("t").appending("/abs").text == "/abs")
        #expect(LexicalPath("./a/../b/./c//d").normalized.text == "b/c/d")
        #expect(LexicalPath("../../a").normalized.text == "../../a")
        #expect(LexicalPath("/../a").normalized.text == "/a")
        #expect(LexicalPath("x/..").normalized.text == ".")
        #expect(LexicalPath("a/b.tar.yaml").pathExtension == "yaml")
    }

    /// `deletingLastPathComponent` trapped on the one-character folder of these paths.
    @Test("the default fixtures folder of one-character paths", arguments: [
        ("t/x.yaml", "fixtures"), ("./x", "fixtures"), ("/x", "/fixtures"), ("x", "fixtures"),
        ("a/t/x.yaml", "a/fixtures"), ("/s/t/x.yaml", "/s/fixtures"),
    ])
    func defaultFixtures(_ file: String, _ fixtures: String) {
        #expect(SpecLoader.defaultFixturesDirectory(for: file) == fixtures)
    }
}
