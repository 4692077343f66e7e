import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SpecHarness

/// Which reports to write and how the console looks; shared by `run` and `report`.
struct ReportOptions: ParsableArguments {
    @Option(
        name: .customLong("report"),
        help: ArgumentHelp(
            "Write a report: FORMAT or FORMAT:PATH (repeatable).",
            discussion: "Without a PATH (or with -) the report goes to stdout. Files are written atomically; devices and FIFOs in place. `github` prints workflow annotations and appends a Markdown summary to $GITHUB_STEP_SUMMARY when it is set.",
            valueName: "format[:path]"))
    var reports: [ReportRequest] = []

    @Option(help: ArgumentHelp("Shorthand for --report FORMAT (with --output, --report FORMAT:FILE).", valueName: "format"))
    var format: ReportFormat?

    @Option(help: ArgumentHelp("Write the --format report to this file; the console summary still prints.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Colour the console: auto (a terminal, and NO_COLOR unset or empty), always or never.", valueName: "when"))
    var color: ColorChoice = .auto

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "List every case on the console, passing ones too.")
    var verbose = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print only the closing counts line on the console.")
    var quiet = false

    func validate() throws {
        if verbose && quiet { throw ValidationError("-v and -q contradict each other; choose one") }
        let toStdout = requests.filter { $0.path == nil && $0.format != .github && $0.format != .console }
        if toStdout.count > 1 {
            throw ValidationError("only one report can go to stdout; give the others a path, e.g. --report \(toStdout[1].format.rawValue):out.\(toStdout[1].format.rawValue)")
        }
        // Two reports to one file: the second would silently replace the first.
        var claimed: [String: ReportFormat] = [:]
        for request in requests {
            guard let path = request.path else { continue }
            let key = URL(fileURLWithPath: path).standardizedFileURL.path
            if let earlier = claimed[key] {
                throw ValidationError(
                    "--report \(earlier.rawValue) and --report \(request.format.rawValue) both write \(UserText.quoted(path)); give each report its own path")
            }
            claimed[key] = request.format
        }
    }

    /// Every requested report; the console on stdout when no other report takes it.
    var requests: [ReportRequest] {
        var all = reports
        // --output alone writes the console report there, as it always did.
        if format != nil || output != nil { all.append(ReportRequest(format: format ?? .console, path: output)) }
        return all
    }

    /// Whether the console report goes to stdout (and so is printed case by case as they finish).
    var consoleOnStdout: Bool {
        !requests.contains { $0.path == nil && $0.format != .console && $0.format != .github }
    }

    var verbosity: ConsoleReporter.Verbosity { quiet ? .quiet : verbose ? .verbose : .normal }

    var console: ConsoleReporter {
        ConsoleReporter(useColor: color.enabled(for: STDOUT_FILENO), verbosity: verbosity)
    }

    /// Writes every requested report of `document`, then prints the console's closing part
    /// (after `printed` cases already shown live). A report that cannot be written is named on
    /// stderr after the console summary.
    /// - Returns: whether every report was written.
    /// `casesStreamed`: the jsonl reports were written case by case (CaseStream) and are done.
    func emit(_ document: ReportDocument, table: ConformanceTable? = nil, casesPrinted: Bool, casesStreamed: Bool = false) -> Bool {
        var failures: [String] = []
        for request in requests where request.format != .console && !(casesStreamed && request.format == .jsonl) {
            let text = render(request.format, document, table: table)
            if let path = request.path {
                do {
                    try ReportFile.write(text, to: path)
                } catch {
                    failures.append(error.description)
                }
            } else {
                print(text, terminator: "")
            }
            if request.format == .github, let summary = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
                let markdown = table.map { MarkdownReporter(onlyProblems: true).render($0) } ?? MarkdownReporter(onlyProblems: true).render(document)
                do {
                    try ReportFile.append(markdown + "\n", to: summary)
                } catch {
                    failures.append(error.description)
                }
            }
        }
        if let consolePath = requests.first(where: { $0.format == .console && $0.path != nil })?.path {
            do {
                try ReportFile.write(ConsoleReporter(useColor: false, verbosity: verbosity).render(document), to: consolePath)
            } catch {
                failures.append(error.description)
            }
        }
        if consoleOnStdout {
            let text = casesPrinted ? console.closing(document) : console.render(document)
            print(text, terminator: "")
        }
        fflush(nil)
        for failure in failures { printError(failure) }
        return failures.isEmpty
    }

    private func render(_ format: ReportFormat, _ document: ReportDocument, table: ConformanceTable?) -> String {
        switch (format, table) {
        case (.markdown, let table?): return MarkdownReporter().render(table)
        case (.html, let table?): return HTMLReporter().render(table)
        case (.console, _): return ConsoleReporter(useColor: false, verbosity: verbosity).render(document)
        default: return format.reporter().render(document)
        }
    }
}

/// `FORMAT` or `FORMAT:PATH`, as --report takes it.
struct ReportRequest: ExpressibleByArgument, Sendable {
    var format: ReportFormat
    /// nil for stdout.
    var path: String?

    init(format: ReportFormat, path: String?) {
        self.format = format
        self.path = path == "-" ? nil : path
    }

    init?(argument: String) {
        let name = argument.prefix { $0 != ":" }
        guard let format = ReportFormat(rawValue: String(name)) else { return nil }
        let rest = argument.dropFirst(name.count)
        if rest.isEmpty {
            self.init(format: format, path: nil)
        } else {
            let path = String(rest.dropFirst())
            guard !path.isEmpty else { return nil }
            self.init(format: format, path: path)
        }
    }

    static var allValueStrings: [String] { ReportFormat.allCases.map(\.rawValue) }
}

/// `--color auto|always|never`.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never

    /// auto: a terminal, and NO_COLOR unset or empty (https://no-color.org).
    func enabled(for descriptor: Int32) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            let noColor = ProcessInfo.processInfo.environment["NO_COLOR"] ?? ""
            return noColor.isEmpty && isatty(descriptor) != 0
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
