/// A YAML list of plain numbers, stored packed: a value and a column per element, lines as runs.
///
/// Spec files hold lists of millions of logprobs; as a tree of `YAMLValue`s each number cost
/// about 60 bytes and the 43 MB file of the benchmark took 1.4 GB. Packed, a number costs 12
/// bytes and keeps its line and column for diagnostics. Storage grows in fixed chunks, so a
/// growing list never holds two copies of itself.
package struct NumberList: Sendable {
    static let chunkBits = 14
    static let chunkSize = 1 << chunkBits
    /// The top bit of a packed column marks a number written as an integer.
    private static let integerFlag: UInt32 = 1 << 31

    package let file: String
    private var valueChunks: [[Double]] = []
    private var columnChunks: [[UInt32]] = []
    /// (first element index, line) each time the line changes.
    private var lineRuns: [(start: Int, line: Int)] = []
    package private(set) var count = 0

    init(file: String) {
        self.file = file
    }

    /// Adds a number; integers must be exact in a Double (|value| <= 2^53), which the caller checks.
    mutating func append(_ value: Double, isInteger: Bool, line: Int, column: Int) {
        if count & (Self.chunkSize - 1) == 0 {
            valueChunks.append([])
            valueChunks[valueChunks.count - 1].reserveCapacity(Self.chunkSize)
            columnChunks.append([])
            columnChunks[columnChunks.count - 1].reserveCapacity(Self.chunkSize)
        }
        valueChunks[valueChunks.count - 1].append(value)
        let packedColumn = UInt32(clamping: min(column, Int(Self.integerFlag - 1)))
        columnChunks[columnChunks.count - 1].append(isInteger ? packedColumn | Self.integerFlag : packedColumn)
        if lineRuns.last?.line != line { lineRuns.append((count, line)) }
        count += 1
    }

    /// Adds `lines` to every element's line and `columns` to the columns of the elements on
    /// line 0: `FlowNumberScanner` counts places from the list's `[` before libyaml says where
    /// that bracket is.
    mutating func shift(lines: Int, firstLineColumns columns: Int) {
        let onFirstLine = lineRuns.first?.line == 0 ? (lineRuns.count > 1 ? lineRuns[1].start : count) : 0
        for run in lineRuns.indices { lineRuns[run].line += lines }
        var remaining = onFirstLine
        for chunk in columnChunks.indices where remaining > 0 {
            let length = min(remaining, columnChunks[chunk].count)
            columnChunks[chunk].withUnsafeMutableBufferPointer { packed in
                for index in 0..<length {
                    let flag = packed[index] & Self.integerFlag
                    let column = min(Int(packed[index] & ~Self.integerFlag) + columns, Int(Self.integerFlag - 1))
                    packed[index] = UInt32(column) | flag
                }
            }
            remaining -= length
        }
    }

    package func value(at index: Int) -> Double {
        valueChunks[index >> Self.chunkBits][index & (Self.chunkSize - 1)]
    }

    /// Whether the element was written as an integer (`3`, not `3.0`).
    package func isInteger(at index: Int) -> Bool {
        columnChunks[index >> Self.chunkBits][index & (Self.chunkSize - 1)] & Self.integerFlag != 0
    }

    package func location(at index: Int) -> SourceLocation {
        let column = Int(columnChunks[index >> Self.chunkBits][index & (Self.chunkSize - 1)] & ~Self.integerFlag)
        var low = 0, high = lineRuns.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineRuns[middle].start <= index { low = middle } else { high = middle - 1 }
        }
        return SourceLocation(file: file, line: lineRuns.isEmpty ? 1 : lineRuns[low].line, column: column)
    }

    /// Every value, contiguous.
    package var values: [Double] {
        var result: [Double] = []
        result.reserveCapacity(count)
        for chunk in valueChunks { result += chunk }
        return result
    }

    /// The element as a `YAMLValue`, for readers that walk lists item by item.
    package func item(at index: Int) -> YAMLValue {
        let value = value(at: index)
        let content: YAMLValue.Content = isInteger(at: index) ? .integer(Int(value)) : .number(value)
        return YAMLValue(content, at: location(at: index))
    }

    package var items: [YAMLValue] { (0..<count).map(item(at:)) }
}
