/// What libyaml reads when `FlowNumberScanner` found lists of numbers: the input with each
/// region written `[]`, and the way back from libyaml's marks to the places in the input.
///
/// libyaml's mark index counts characters (a CRLF is two, a leading byte order mark none), so
/// the index at which each region's `[` reaches libyaml identifies that bracket exactly.
final class SubstitutedYAMLInput {
    private let source: YAMLByteSource
    private let byteCount: Int
    private(set) var regions: [FlowNumberRegion]
    /// The character index at which each region's `[` was handed to libyaml, once it was.
    private(set) var openerIndices: [Int] = []
    /// Regions libyaml opened and closed where they are, in order.
    private(set) var confirmed = 0

    /// The next input byte to hand over.
    private var offset = 0
    /// Characters handed over, as libyaml counts them.
    private var characters: Int
    /// A region's `[` went out and its `]` did not yet (the buffer was full).
    private var closePending = false

    /// For each confirmed region: its `]`'s character index + 1, the line of its brackets in
    /// libyaml's marks, and what to add to later marks' lines and, on that line, columns.
    private var shifts: [(endIndex: Int, line: Int, lineDelta: Int, columnDelta: Int)] = []

    init(source: YAMLByteSource, scan: FlowNumberScanner.Scan) {
        self.source = source
        byteCount = scan.byteCount
        regions = scan.regions
        characters = scan.startsWithBOM ? -1 : 0
    }

    /// libyaml's read handler: up to `size` bytes of the substituted text.
    /// - Returns: the count written (0 at the end), or nil on an I/O error.
    func read(into buffer: UnsafeMutablePointer<UInt8>, size: Int) -> Int? {
        var written = 0
        while written < size {
            if closePending {
                buffer[written] = UInt8(ascii: "]")
                written += 1
                characters += 1
                closePending = false
                offset = regions[openerIndices.count - 1].end
                continue
            }
            let next = openerIndices.count
            if next < regions.count, offset == regions[next].start {
                openerIndices.append(characters)
                buffer[written] = UInt8(ascii: "[")
                written += 1
                characters += 1
                closePending = true
                continue
            }
            let stop = next < regions.count ? regions[next].start : byteCount
            let wanted = min(size - written, stop - offset)
            guard wanted > 0 else { break }
            guard let got = source.read(at: offset, into: buffer + written, count: wanted) else { return nil }
            guard got > 0 else { break }
            var continuation = 0
            for index in written..<(written + got) where buffer[index] & 0xC0 == 0x80 { continuation += 1 }
            characters += got - continuation
            written += got
            offset += got
        }
        return written
    }

    /// The region whose `[` libyaml has been handed and has not yet opened, with that `[`'s index.
    var awaited: (region: Int, index: Int)? {
        confirmed < openerIndices.count ? (confirmed, openerIndices[confirmed]) : nil
    }

    var allConfirmed: Bool { confirmed == regions.count }

    /// libyaml opened the awaited region as a flow sequence whose `[` is at `line`, `column`
    /// (its marks, from 0): hands over its numbers, placed, and counts it for later marks.
    func confirm(openerLine line: Int, openerColumn column: Int) -> NumberList {
        let index = confirmed
        let (originalLine, originalColumn) = translate(line: line, column: column, index: openerIndices[index])
        // Moved out, not copied: shifting a list the region still held would copy its storage.
        var numbers = NumberList(file: regions[index].numbers.file)
        swap(&numbers, &regions[index].numbers)
        numbers.shift(lines: originalLine + 1, firstLineColumns: originalColumn + 1)
        let lineBreaks = regions[index].lineBreaks
        let columnAfter = lineBreaks == 0 ? originalColumn + (regions[index].end - regions[index].start) : regions[index].lastLineLength
        // libyaml saw `[]`: its next character is at column + 2.
        shifts.append((openerIndices[index] + 2, line, (shifts.last?.lineDelta ?? 0) + lineBreaks, columnAfter - (column + 2)))
        confirmed += 1
        return numbers
    }

    /// The place in the input of a libyaml mark (line and column from 0, character index).
    func translate(line: Int, column: Int, index: Int) -> (line: Int, column: Int) {
        var shift = shifts.count - 1
        while shift >= 0, shifts[shift].endIndex > index { shift -= 1 }
        guard shift >= 0 else { return (line, column) }
        let found = shifts[shift]
        return (line + found.lineDelta, line == found.line ? column + found.columnDelta : column)
    }
}
