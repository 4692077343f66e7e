import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SpecHarness

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Re-render, merge, compare or diff saved JSON reports.",
        discussion: """
            Reads JSON reports written by `regspec run --report json:FILE`. The reports of one engine \
            (e.g. the shards of a CI matrix, --shard I/N) are merged into one report whose console \
            output is the unsharded run's. Reports of several engines are compared in one conformance \
            table (cases x engines, by suite, checklist item and rule); write it with --report \
            markdown:FILE or --report html:FILE. With --diff OLD NEW: the cases of one engine that \
            newly fail or newly pass.

            A merge must cover the selection its shards split: a missing shard (a lost CI \
            artifact), shards of different selections or splits, an invalid shard label (7/3, 0/0) \
            or a case counted twice is a verdict problem that fails the merge in every format, \
            naming the missing shards and how many cases they held. --allow-partial-shards accepts \
            a set that only lacks shards or cases (e.g. to look at one shard's report).

            Exit codes: 0 the merged report passed (or a comparison was written, or nothing newly \
            fails), 1 it did not (or something newly fails), 2 a report cannot be read or combined.

            Examples:
              regspec report shard-1.json shard-2.json --report junit:regspec.xml
              regspec report reference.json python.json --report html:conformance.html
              regspec report --diff main.json branch.json
            """)

    @Argument(help: ArgumentHelp("JSON reports from `regspec run --report json:FILE`.", valueName: "report.json"))
    var files: [String]

    @Flag(help: "Compare two reports of one engine, old then new: list newly failing and newly passing cases.")
    var diff = false

    @Flag(help: ArgumentHelp(
        "Accept a merge that lacks shards or cases of its selection: the missing part becomes a note, not a failure.",
        discussion: "Without it, shard reports that do not cover the whole selection fail in every format. Invalid shard labels, shards of different selections or splits and a case counted twice fail even with it."))
    var allowPartialShards = false

    @Option(help: ArgumentHelp(
        "Write each engine's badge into this folder: ENGINE.json (a shields.io endpoint) and ENGINE.svg.",
        discussion: "The badge reads `regspec 2.x | passed/cases`: green when the run passes with every case passed, yellow when it passes with cases skipped or expected to fail, red when it fails. docs/ci.md shows how to publish it.",
        valueName: "dir"))
    var badge: String?

    @OptionGroup var reporting: ReportOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one JSON report") }
        if diff && files.count != 2 { throw ValidationError("--diff takes exactly two reports: OLD NEW") }
    }

    func run() throws {
        var documents: [ReportDocument] = []
        for file in files {
            do {
                documents.append(try ReportDocument.read(from: file))
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        if diff {
            let change = ReportDiff(old: documents[0], new: documents[1])
            print(change.render(), terminator: "")
            if change.newlyFailing.isEmpty { return }
            throw ExitCode(1)
        }
        let merged: [ReportDocument]
        do {
            merged = try ReportMerge.byEngine(documents, allowingPartialShards: allowPartialShards).map(VerdictWording.worded)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        if let badge { try writeBadges(merged, labels: merged.count == 1 ? merged.map(\.engine.label) : ConformanceTable(merged).engines, to: badge) }
        if merged.count == 1, let document = merged.first {
            guard reporting.emit(document, casesPrinted: false) else { throw ExitCode(2) }
            if !document.succeeded { throw ExitCode(1) }
            return
        }
        try compare(ConformanceTable(merged))
    }

    /// Several engines: the table formats get the whole comparison; per-engine formats refuse.
    private func compare(_ table: ConformanceTable) throws {
        let perEngine = reporting.requests.filter { ![.markdown, .html, .console].contains($0.format) }
        if let request = perEngine.first {
            printError(
                "error: --report \(request.format.rawValue) describes one engine, and these reports are of \(table.engines.count); compare with markdown or html, or pass one engine's reports")
            throw ExitCode(2)
        }
        var failures: [String] = []
        for request in reporting.requests where request.format != .console {
            let text = request.format == .html ? HTMLReporter().render(table) : MarkdownReporter().render(table)
            if let path = request.path {
                do { try ReportFile.write(text, to: path) } catch { failures.append(error.description) }
            } else {
                print(text, terminator: "")
            }
        }
        if reporting.consoleOnStdout { print(table.renderText(), terminator: "") }
        for failure in failures { printError(failure) }
        if !failures.isEmpty { throw ExitCode(2) }
    }
}
