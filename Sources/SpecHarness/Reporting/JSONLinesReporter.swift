#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON-lines report: one compact JSON object per case, the same record as an entry of
/// the JSON report's `cases`, so a consumer can act on each case as it finishes
/// (`regspec run --report jsonl:-` writes each line the moment its case ends).
public struct JSONLinesReporter: Reporter {
    public init() {}

    public func render(_ document: ReportDocument) -> String {
        document.cases.map(line(for:)).joined()
    }

    /// One case's line, newline included; no newline can occur inside it (JSON escapes them).
    public func line(for record: CaseRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(record) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
