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
}
