import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SpecHarness

extension ReportCommand {
    /// Writes `DIR/ENGINE.json` and `DIR/ENGINE.svg` per engine and names each file on stderr.
    /// - Throws: `ExitCode(2)` when the folder or a file cannot be written: a badge step that
    ///   silently wrote nothing would leave an old badge up.
    func writeBadges(_ documents: [ReportDocument], labels: [String], to directory: String) throws {
        do {
            try OutputFolder.check(directory)
        } catch {
            printError("\(error.description) (--badge)")
            throw ExitCode(2)
        }
        for ((document, label), name) in zip(zip(documents, labels), Badge.fileNames(for: labels)) {
            let badge = Badge(document, engine: label)
            let base = LexicalPath(directory).appending(name).text
            do {
                try ReportFile.write(badge.endpointJSON, to: base + ".json")
                try ReportFile.write(badge.svg, to: base + ".svg")
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            printError("badge: \(TextEscaping.oneLine(base)).json, .svg (\(TextEscaping.oneLine(badge.label)) | \(TextEscaping.oneLine(badge.message)), \(badge.color))")
        }
    }
}
