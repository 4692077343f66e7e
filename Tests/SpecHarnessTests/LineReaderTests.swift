#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import SpecHarness

@Suite("Line reader")
struct LineReaderTests {
    /// The events a reader with `chunkBytes` and `maximumLineBytes` gives for `text` written
    /// into a pipe and closed.
    private func events(_ text: String, chunkBytes: Int, maximumLineBytes: Int = 1 << 20) throws -> [LineReader.Event] {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        let bytes = Array(text.utf8)
        // Small enough for the pipe's buffer, so the write does not wait for the reader.
        try #require(bytes.count < 4096)
        let written = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        close(fds[1])
        defer { close(fds[0]) }
        var reader = LineReader(descriptor: fds[0], chunkBytes: chunkBytes, maximumLineBytes: maximumLineBytes)
        var events: [LineReader.Event] = []
        for _ in 0..<100 {
            let event = reader.next()
            events.append(event)
            if event == .end { break }
        }
        return events
    }

    @Test("lines split across reads come out whole, CRLF and a last line without newline included", arguments: [1, 2, 3, 7, 64 << 10])
    func splitAcrossReads(chunkBytes: Int) throws {
        #expect(try events("one\ntwo\r\n\nthree é\nlast", chunkBytes: chunkBytes)
            == [.line("one"), .line("two"), .line(""), .line("three é"), .line("last"), .end])
    }

    @Test("a line longer than the bound is skipped to its newline, and the next is read", arguments: [1, 4, 64 << 10])
    func tooLong(chunkBytes: Int) throws {
        let long = String(repeating: "x", count: 100)
        #expect(try events("ok\n\(long)\nafter\n", chunkBytes: chunkBytes, maximumLineBytes: 10)
            == [.line("ok"), .tooLong, .line("after"), .end])
        #expect(try events("ok\n\(long)", chunkBytes: chunkBytes, maximumLineBytes: 10) == [.line("ok"), .tooLong, .end])
    }

    @Test("nothing at all is the end")
    func empty() throws {
        #expect(try events("", chunkBytes: 16) == [.end])
    }
}
