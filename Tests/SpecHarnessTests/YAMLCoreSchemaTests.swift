import Testing
@testable import SpecHarness

@Suite("YAML 1.2 core schema")
struct YAMLCoreSchemaTests {
    /// The content of `value:` in a one-line document.
    func content(_ yaml: String) throws -> String {
        let root = try YAMLValue.parse("value: \(yaml)\n", file: "test.yaml")
        guard case .mapping(let pairs) = root.content, let value = pairs.first?.value else { return "not a mapping" }
        switch value.content {
        case .null: return "null"
        case .bool(let flag): return "bool \(flag)"
        case .integer(let number): return "integer \(number)"
        case .number(let number): return "number \(number)"
        case .string(let text): return "string \(text)"
        case .sequence, .numbers: return "sequence"
        case .mapping: return "mapping"
        }
    }

    @Test("plain scalars resolve as YAML 1.2 says", arguments: [
        ("3", "integer 3"), ("-12", "integer -12"), ("+7", "integer 7"), ("0x1F", "integer 31"), ("0o17", "integer 15"),
        ("1.5", "number 1.5"), ("1e-5", "number 1e-05"), ("-.5", "number -0.5"), ("2.", "number 2.0"),
        (".inf", "number inf"), ("-.Inf", "number -inf"), ("true", "bool true"), ("FALSE", "bool false"),
        ("~", "null"), ("null", "null"), ("", "null"),
        // YAML 1.1 words are strings in 1.2.
        ("yes", "string yes"), ("off", "string off"), ("On", "string On"),
        ("1_000", "string 1_000"), ("e5", "string e5"), ("1.2.3", "string 1.2.3"), ("sum_of_squares", "string sum_of_squares"),
    ])
    func plain(_ yaml: String, _ expected: String) throws {
        #expect(try content(yaml) == expected)
    }

    @Test("quoted scalars are strings; explicit standard tags are honoured")
    func quotedAndTagged() throws {
        #expect(try content("\"3\"") == "string 3")
        #expect(try content("'true'") == "string true")
        #expect(try content("!!float 1") == "number 1.0")
        #expect(try content("!!str 3") == "string 3")
        #expect(try content(".nan").hasPrefix("number nan"))
    }
}
