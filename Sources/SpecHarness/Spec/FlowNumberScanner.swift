#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pre-pass over a YAML text that finds its flow sequences of plain numbers and reads them,
/// so that libyaml, whose scanner and per-event allocations run at about 35 MB/s, never sees the
/// millions of numbers a large inline array holds.
///
/// It only proposes: `YAMLValue.parseWithPackedLists` uses a region when libyaml opens a flow
/// sequence at its `[` and closes it at once, and reads the document again without regions at
/// any doubt, so a bracket in a string, a comment or a block scalar costs time, never a value.
/// What it accepts is a strict subset of what libyaml reads as a list of plain scalars: tokens of
/// digits, signs, points and exponents that the core schema packs, separated by `,` and spaces,
/// line breaks (LF, CRLF) only after `[` or `,`. Anything else (tabs, comments, hex, `.inf`,
/// quotes, tags, a colon) leaves the list to libyaml.
final class FlowNumberScanner {
    static let windowSize = 1 << 16
    /// Longer tokens are left to libyaml.
    static let maximumTokenLength = 64

    /// What the pre-pass found.
    struct Scan {
        var regions: [FlowNumberRegion]
        let byteCount: Int
        /// libyaml skips a UTF-8 byte order mark and does not count it in its marks.
        let startsWithBOM: Bool
    }

    private let source: YAMLByteSource
    private let limit: Int
    private let file: String
    private let window: UnsafeMutablePointer<UInt8>
    /// The input offset of `window[0]`.
    private var base = 0
    /// The next byte to read, in `window`.
    private var position = 0
    /// Bytes held in `window`.
    private var count = 0
    private var atEnd = false
    /// An I/O error, or more than `limit` bytes.
    private var failed = false

    private init(source: YAMLByteSource, limit: Int, file: String) {
        self.source = source
        self.limit = limit
        self.file = file
        window = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.windowSize)
    }

    deinit {
        window.deallocate()
    }

    /// Scans a rereadable input.
    /// - Returns: nil when the input cannot be read twice, is UTF-16, is larger than `limit`
    ///   or cannot be read; libyaml alone then reads it and says what is wrong.
    static func scan(_ source: YAMLByteSource, limit: Int, file: String) -> Scan? {
        guard source.isRereadable else { return nil }
        return FlowNumberScanner(source: source, limit: limit, file: file).run()
    }

    private static let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ","), close = UInt8(ascii: "]")

    private func run() -> Scan? {
        fill(3)
        guard !failed else { return nil }
        if count >= 2, (window[0] == 0xFE && window[1] == 0xFF) || (window[0] == 0xFF && window[1] == 0xFE) { return nil }
        let startsWithBOM = count >= 3 && window[0] == 0xEF && window[1] == 0xBB && window[2] == 0xBF
        var regions: [FlowNumberRegion] = []
        // The byte before the current one, and the last one that was not a space or tab.
        var previous = Self.lineFeed, significant = Self.lineFeed
        scanning: while true {
            if position == count, fill(1) == 0 { break }
            let byte = window[position]
            switch byte {
            case UInt8(ascii: "["):
                let start = base + position
                if let region = region(at: start) {
                    regions.append(region)
                    previous = Self.close
                    significant = Self.close
                    continue scanning
                }
                if failed { return nil }
                seek(to: start + 1)
            case UInt8(ascii: "#") where previous == Self.space || previous == Self.tab || previous == Self.lineFeed || previous == Self.carriageReturn:
                // A comment, to the end of its line.
                while fill(1) > 0, window[position] != Self.lineFeed, window[position] != Self.carriageReturn { position += 1 }
                continue scanning
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                position += 1
                guard Self.mayOpenQuote(after: significant) else { break }
                while true {
                    guard fill(2) > 0 else { break scanning }
                    let inside = window[position]
                    if byte == UInt8(ascii: "\""), inside == UInt8(ascii: "\\") {
                        position += min(2, count - position)
                        continue
                    }
                    position += 1
                    if inside == byte { break }
                }
            default:
                position += 1
            }
            previous = byte
            if byte != Self.space && byte != Self.tab { significant = byte }
        }
        guard !failed else { return nil }
        return Scan(regions: regions, byteCount: base + count, startsWithBOM: startsWithBOM)
    }

    /// A quote after these (spaces between) starts a quoted scalar; elsewhere it is most likely
    /// inside plain text (`it's`), and skipping from it could hide a list for nothing.
    private static func mayOpenQuote(after byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: "?"),
            Self.lineFeed, Self.carriageReturn:
            return true
        default:
            return false
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// Reads the list whose `[` is at `start`, the current position, and leaves the position after
    /// its `]`; nil when it is not a list of plain numbers in the accepted form.
    private func region(at start: Int) -> FlowNumberRegion? {
        position += 1
        var numbers = NumberList(file: file)
        var lineBreaks = 0
        // The offset of the current line's first byte; on the `[`'s line, the `[`.
        var lineStart = start
        guard skipBlanks(&lineBreaks, &lineStart) else { return nil }
        while true {
            let available = fill(Self.maximumTokenLength + 1)
            let tokenStart = position
            let scanEnd = tokenStart + min(available, Self.maximumTokenLength + 1)
            var tokenEnd = tokenStart
            while tokenEnd < scanEnd, Self.isNumberByte(window[tokenEnd]) { tokenEnd += 1 }
            let length = tokenEnd - tokenStart
            guard length > 0, length <= Self.maximumTokenLength, tokenEnd < count else { return nil }
            let after = window[tokenEnd]
            guard after == Self.space || after == Self.comma || after == Self.close else { return nil }
            let offset = base + tokenStart
            let column = lineBreaks == 0 ? offset - start : offset - lineStart + 1
            switch YAMLCoreSchema.resolve(bytes: UnsafeBufferPointer(start: window + tokenStart, count: length)) {
            case .integer(let value) where value.magnitude <= 1 << 53:
                numbers.append(Double(value), isInteger: true, line: lineBreaks, column: column)
            case .number(let value):
                numbers.append(value, isInteger: false, line: lineBreaks, column: column)
            default:
                return nil
            }
            position = tokenEnd
            while fill(1) > 0, window[position] == Self.space { position += 1 }
            guard position < count else { return nil }
            let separator = window[position]
            position += 1
            if separator == Self.close { break }
            guard separator == Self.comma, skipBlanks(&lineBreaks, &lineStart) else { return nil }
            if window[position] == Self.close {
                position += 1
                break
            }
        }
        let end = base + position
        return FlowNumberRegion(start: start, end: end, lineBreaks: lineBreaks, lastLineLength: end - lineStart, numbers: numbers)
    }

    /// Skips spaces and LF or CRLF line breaks, counting the breaks.
    /// - Returns: false at the end of the input or at a CR not followed by LF.
    private func skipBlanks(_ lineBreaks: inout Int, _ lineStart: inout Int) -> Bool {
        while fill(2) > 0 {
            switch window[position] {
            case Self.space:
                position += 1
            case Self.lineFeed:
                position += 1
                lineBreaks += 1
                lineStart = base + position
            case Self.carriageReturn:
                guard count - position >= 2, window[position + 1] == Self.lineFeed else { return false }
                position += 2
                lineBreaks += 1
                lineStart = base + position
            default:
                return true
            }
        }
        return false
    }

    /// Makes `wanted` bytes available from `position` unless the input ends first.
    /// - Returns: the bytes available.
    @discardableResult
    private func fill(_ wanted: Int) -> Int {
        if count - position >= wanted || atEnd { return count - position }
        let kept = count - position
        if position > 0 {
            memmove(window, window + position, kept)
            base += position
            position = 0
            count = kept
        }
        while count < wanted, !atEnd {
            guard let got = source.read(at: base + count, into: window + count, count: Self.windowSize - count) else {
                failed = true
                atEnd = true
                break
            }
            count += got
            if got == 0 { atEnd = true }
            if base + count > limit {
                failed = true
                atEnd = true
            }
        }
        return count - position
    }

    /// Continues from `offset`, after a list that turned out not to be one.
    private func seek(to offset: Int) {
        base = offset
        position = 0
        count = 0
        atEnd = false
    }
}
