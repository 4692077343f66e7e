import Testing
@testable import SpecHarness

/// The fast decoder gives up on a repeated key (the tree path reports it), whether the object
/// is small enough for keys to be compared one by one or large enough for a set.
@Suite("Repeated keys in the fast decoder")
struct ByteScannerKeysTests {
    private func readsWhole(_ keys: [String]) -> Bool {
        let text = "{" + keys.enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ") + "}"
        var scanner = ByteScanner(Array(text.utf8))
        return scanner.object { scanner, _ in scanner.integer() != nil }
    }

    @Test("distinct keys read, a repeat anywhere gives up", arguments: [3, ByteScanner.keysComparedInLine, ByteScanner.keysComparedInLine + 5])
    func repeats(count: Int) {
        let keys = (0..<count).map { "key\($0)" }
        #expect(readsWhole(keys))
        // The repeat first, in the middle, and last: before and after the switch to a set.
        for position in Set([1, count / 2, count - 1]) {
            var repeated = keys
            repeated[position] = keys[0]
            #expect(!readsWhole(repeated), "key0 repeated at \(position) of \(count)")
        }
        var last = keys
        last.append(keys[count - 1])
        #expect(!readsWhole(last), "the last key repeated")
    }

    @Test("a key written with an escape repeats the same key written without one")
    func escapedRepeats() {
        // `\/` is `/`: one key written two ways, which comparing bytes alone would miss.
        #expect(!readsWhole(["/", "\\/"]))
        #expect(!readsWhole(["\\/", "/"]))
        // `\\` is a backslash, not a slash.
        #expect(readsWhole(["/", "\\\\"]))
        // And past the keys compared in line, where a set takes over.
        let many = (0..<20).map { "k\($0)" }
        #expect(!readsWhole(many + ["k\\/", "k/"]))
        #expect(readsWhole(many + ["k\\/"]))
    }

    @Test("two spellings of one character are two keys, as the tree path reads them")
    func scalarsNotCanonical() {
        #expect(readsWhole(["\u{E9}", "e\u{301}"]))
    }
}
