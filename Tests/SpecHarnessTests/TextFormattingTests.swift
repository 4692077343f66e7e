import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import SpecHarness

/// What replaced Foundation's formatting and string APIs gives what they gave.
@Suite("Text formatting without Foundation")
struct TextFormattingTests {
    @Test("printf formats as String(format:) did", arguments: [
        ("%.2f", 1.005, "1.00"), ("%.2f", 2.5, "2.50"), ("%.6f", 0.1, "0.100000"), ("%.1f", 1234.56, "1234.6"),
        ("%.2f", -0.004, "-0.00"), ("%.1f", Double.infinity, "inf"), ("%.2f", 1e20, "100000000000000000000.00"),
    ])
    func fixed(_ format: String, _ value: Double, _ expected: String) {
        #expect(PrintfFormat.string(format, value) == expected)
    }

    @Test("hexadecimal escapes are zero-padded upper case")
    func hex() {
        #expect(PrintfFormat.string("\\u%04X", UInt32(0x1F)) == "\\u001F")
        #expect(PrintfFormat.string("\\U%08X", UInt32(0x1F600)) == "\\U0001F600")
        #expect(PrintfFormat.string("%d of %d", 3, 4) == "3 of 4")
    }

    @Test("report timestamps are RFC 3339 UTC seconds, as ISO8601DateFormatter wrote them", arguments: [
        (0.0, "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59Z"), (951_782_400, "2000-02-29T00:00:00Z"),
        (951_868_799, "2000-02-29T23:59:59Z"), (4_102_444_800, "2100-01-01T00:00:00Z"), (1_796_601_599.9, "2026-12-06T23:59:59Z"),
    ])
    func timestamp(_ seconds: Double, _ expected: String) {
        #expect(ReportContext.timestamp(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("trimming and replacing compare scalars, so a newline inside CR LF counts")
    func scalars() {
        #expect("a\r\nb".replacingAll("\n", with: " ") == "a\r b")
        #expect("a::b:".replacingAll(":", with: "%3A") == "a%3A%3Ab%3A")
        #expect("aaa".replacingAll("aa", with: "b") == "ba")
        #expect(" \t x y \u{3000}".trimmingWhitespace() == "x y")
        #expect("\n x \r\n".trimmingWhitespace() == "\n x \r\n")
        #expect("\n x \r\n".trimmingWhitespaceAndNewlines() == "x")
        #expect("  ".trimmingWhitespace().isEmpty)
        #expect("x\n--- s ---\ny".firstScalarRange(of: "\n--- s ---\n") != nil)
        #expect("x\r\n--- s ---\ny".firstScalarRange(of: "\n--- s ---\n") != nil)
    }
}
