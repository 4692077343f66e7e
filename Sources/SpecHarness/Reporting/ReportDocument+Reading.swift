#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ReportDocument {
    /// Reads a saved JSON report.
    /// - Throws: `ReportReadError` naming the file and what is wrong with it.
    public static func read(from path: String) throws(ReportReadError) -> ReportDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportReadError(path: path, reason: "cannot read it; check the path (a report in the JSON format)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let document: ReportDocument
        do {
            document = try decoder.decode(ReportDocument.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReportReadError(path: path, reason: "missing \(Self.describe(context.codingPath + [key])); is it a regspec JSON report?")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ReportReadError(path: path, reason: "\(Self.describe(context.codingPath)) has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            guard context.codingPath.isEmpty else { throw ReportReadError(path: path, reason: "\(Self.describe(context.codingPath)) is invalid") }
            throw ReportReadError(path: path, reason: Self.whyUnreadable(data))
        } catch {
            throw ReportReadError(path: path, reason: "not a regspec JSON report")
        }
        guard document.format == formatName else {
            throw ReportReadError(path: path, reason: "its format is '\(document.format)', not '\(formatName)'")
        }
        guard document.formatVersion >= 1 else {
            throw ReportReadError(
                path: path, reason: "it has format_version \(document.formatVersion); versions start at 1, so no regspec wrote it")
        }
        guard document.formatVersion <= currentFormatVersion else {
            throw ReportReadError(
                path: path, reason: "it has format_version \(document.formatVersion); this regspec reads up to \(currentFormatVersion), upgrade it")
        }
        return document
    }

    /// Why JSON the decoder refused is unreadable: Foundation says "not valid JSON" also for
    /// valid JSON holding a number it cannot represent (1e999, an integer past 64 bits).
    private static func whyUnreadable(_ data: Data) -> String {
        do {
            _ = try JSONParser.parse(String(decoding: data, as: UTF8.self))
        } catch {
            return "not valid JSON (\(error))"
        }
        return "valid JSON, but it holds a number out of range (such as 1e999, or an integer past 64 bits) or NaN; is it a regspec JSON report?"
    }

    private static func describe(_ path: [any CodingKey]) -> String {
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? "the document" : "`" + String(text.drop { $0 == "." }) + "`"
    }
}

/// A saved report that cannot be read.
public struct ReportReadError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "error: \(path): \(reason)" }
}
