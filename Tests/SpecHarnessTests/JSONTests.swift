import Testing
@testable import SpecHarness

@Suite("JSON for the protocol")
struct JSONTests {
    @Test("serialize then parse gives the same value, keys in order")
    func roundTrip() throws {
        let value: JSONValue = [
            "zeta": 1, "alpha": [1.5, -0.0, 2.0, 1e-300, .null, true, false], "text": "quote \" back \\ nl \n tab \t é 😀 \u{01}",
            "nested": ["b": [], "a": [:]],
        ]
        let text = value.serialized()
        #expect(try JSONParser.parse(text) == value)
        #expect(text.hasPrefix("{\"zeta\":1,\"alpha\":[1.5,-0.0,2.0,1e-300,null,true,false]"))
        #expect(text.contains("\\u0001"))
    }

    @Test("NaN and the infinities are written and read as Python's json does")
    func nonFinite() throws {
        let text = JSONValue.array([.number(.nan), .number(.infinity), .number(-.infinity)]).serialized()
        #expect(text == "[NaN,Infinity,-Infinity]")
        guard case .array(let items) = try JSONParser.parse(text) else {
            Issue.record("expected an array")
            return
        }
        #expect(items[0].doubleValue?.isNaN == true)
        #expect(items[1] == .number(.infinity) && items[2] == .number(-.infinity))
    }

    @Test("integers and floats are told apart by their text")
    func numbers() throws {
        #expect(try JSONParser.parse("[3, 3.0, -2e3, 12345678901234]") == [.integer(3), .number(3), .number(-2000), .integer(12_345_678_901_234)])
    }

    @Test("escapes, including surrogate pairs, decode")
    func escapes() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\né😀"))
    }

    @Test("bad input is an error with its offset, never a crash", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "nul", "\"unterminated", "[1] extra", "{\"a\":\"\u{01}\"}", "-", "[\"\\x\"]",
        String(repeating: "[", count: 10_000),
    ])
    func rejects(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    /// Regression: `"\ud800\u0041"` computed `0x41 - 0xDC00` in unsigned arithmetic and trapped
    /// the whole run (exit 132).
    @Test("every malformed \\u escape is an error, never a trap", arguments: [
        #""\ud800\u0041""#, #""\ud800""#, #""\ud800x""#, #""\ud800\n""#, #""\udc00""#, #""\udfff\ud800""#,
        #""\ud800\ud800""#, #""\ud800\uffff""#, #""\u+123""#, #""\u-001""#, #""\u12""#, #""\u12g4""#, #""\u""#,
        #""\ud800\u12""#, #""\ud800\u""#, #""\""#,
    ])
    func rejectsMalformedEscapes(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("escapes at the edges of the surrogate ranges decode")
    func surrogateEdges() throws {
        #expect(try JSONParser.parse(#""\ud7ff\ue000\udbff\udfff\uD800\uDC00""#) == .string("\u{D7FF}\u{E000}\u{10FFFF}\u{10000}"))
    }

    @Test("numbers past Double's range read as infinities, as Python's json reads them")
    func hugeNumbers() throws {
        #expect(try JSONParser.parse("[1e999, -1e999, 1e-999, 99999999999999999999999]")
            == [.number(.infinity), .number(-.infinity), .number(0), .number(1e23)])
    }

    @Test("a key repeated in one object is an error; two spellings of a name are two keys")
    func repeatedKeys() throws {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"regularizers": {"kl": 1, "kl": 2}}"#) }
        let spellings = try JSONParser.parse("{\"caf\u{E9}\": 1, \"cafe\u{301}\": 2}")
        guard case .object(let object) = spellings else {
            Issue.record("expected an object")
            return
        }
        #expect(object.count == 2)
    }
}

