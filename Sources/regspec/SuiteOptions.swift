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
import RegSpecSuite
import SpecHarness

/// Where the spec files and fixtures are; shared by every subcommand.
struct SuiteOptions: ParsableArguments {
    @Argument(help: "Spec files or directories of them (default: the suite bundled with regspec).")
    var paths: [String] = []

    @Option(help: ArgumentHelp("The folder fixture paths are relative to.", discussion: "Default: the fixtures/ folder beside each spec file's folder.", valueName: "dir"))
    var fixtures: String?

    /// The spec paths to load: the given ones, or the bundled suite, verified against the
    /// compiled-in files (and rewritten when its cached copy was damaged).
    /// - Throws: `ExitCode(2)` when no intact copy of the bundled suite can be written out.
    var resolvedPaths: [String] {
        get throws {
            guard paths.isEmpty else { return paths }
            do {
                let extraction = try BundledSuite.extract()
                if let damage = extraction.repaired {
                    printError("note: the cached copy of the bundled suite was damaged (\(damage)); it was rewritten from the compiled-in suite")
                }
                return [extraction.specsDirectory]
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
    }

    /// Loads the suite, printing every diagnostic to stderr.
    /// - Parameter pointingToValidate: close with a pointer to `regspec validate`; not for
    ///   `validate` itself.
    /// - Throws: `ExitCode(2)` when any spec file has a problem.
    func load(pointingToValidate: Bool = true) throws -> LoadedSuite {
        let suite = SpecLoader(fixturesDirectory: fixtures).load(paths: try resolvedPaths)
        if !suite.diagnostics.isEmpty {
            for warning in suite.warnings { printError(warning.description) }
            for diagnostic in suite.diagnostics { printError(diagnostic.description) }
            let pointer = pointingToValidate ? "; nothing was run. `regspec validate` lists them too." : ""
            printError("\(counted(suite.diagnostics.count, "problem")) in the spec files\(pointer)")
            throw ExitCode(2)
        }
        return suite
    }
}

/// Which cases to run or list.
struct SelectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only cases whose id matches this regular expression.", valueName: "regex"))
    var filter: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("Only cases with this tag (repeatable; any of them).", valueName: "tag"))
    var tags: [String] = []

    @Option(name: .customLong("exclude-tag"), help: ArgumentHelp("Leave out cases with this tag (repeatable).", valueName: "tag"))
    var excludedTags: [String] = []

    @Option(name: .customLong("case"), help: ArgumentHelp("Only the case with exactly this id (repeatable).", valueName: "id"))
    var caseIDs: [String] = []

    @Option(help: ArgumentHelp(
        "Only part I of N of the suite, for CI matrices, e.g. 2/4.",
        discussion: "A case's part depends only on its id, so adding cases never moves others.", valueName: "I/N"))
    var shard: String?

    func validate() throws {
        if let shard, Shard(shard) == nil {
            throw ValidationError("--shard must be I/N with 1 <= I <= N, e.g. 2/4; got \(UserText.quoted(shard))")
        }
    }

    /// Whether the user chose which cases to run (a shard is a split of the whole suite, not a choice).
    var narrowsRun: Bool {
        filter != nil || !tags.isEmpty || !excludedTags.isEmpty || !caseIDs.isEmpty
    }

    var selection: CaseSelection {
        CaseSelection(idPattern: filter, tags: tags, excludedTags: excludedTags, caseIDs: caseIDs, shard: shard.flatMap(Shard.init))
    }

    /// The selection as a report records it.
    var record: SelectionRecord {
        SelectionRecord(filter: filter, tags: tags, excludedTags: excludedTags, caseIDs: caseIDs, shard: shard)
    }

    /// The selection as a report records it, with the cases of `cases` it matches before
    /// sharding: what `regspec report` needs to prove that merged shards cover the selection.
    func record(of cases: [SpecCase]) -> SelectionRecord {
        var whole = selection
        whole.shard = nil
        return record.whole(of: ((try? whole.apply(to: cases)) ?? []).map(\.id))
    }

    /// The selected cases.
    /// - Throws: `ExitCode(2)` after saying why, when an id is unknown, the filter is not a
    ///   regular expression or nothing is selected (a run that executes nothing is no pass).
    ///   Thrown from `run()`, a `ValidationError` would print the root command's usage instead.
    func apply(to cases: [SpecCase]) throws -> [SpecCase] {
        func refuse(_ message: String) -> ExitCode {
            printError("error: \(message)")
            return ExitCode(2)
        }
        // An id is unknown when the suite lacks it, not when other options leave it out.
        let known = Set(cases.map(\.id))
        let unknown = caseIDs.filter { !known.contains($0) }
        if !unknown.isEmpty {
            let names = unknown.map { String(reflecting: $0) }.joined(separator: ", ")
            throw refuse("no case has the id \(names); `regspec list` shows the ids")
        }
        let selected: [SpecCase]
        do {
            selected = try selection.apply(to: cases)
        } catch SelectionError.invalidPattern(let pattern) {
            throw refuse("--filter \(UserText.quoted(pattern)) is not a valid regular expression")
        }
        if selected.isEmpty {
            let chosen = [filter.map { "--filter \(UserText.quoted($0))" }] + tags.map { "--tag \(TextEscaping.oneLine($0))" }
                + excludedTags.map { "--exclude-tag \(TextEscaping.oneLine($0))" } + caseIDs.map { "--case \(TextEscaping.oneLine($0))" }
                + [shard.map { "--shard \(TextEscaping.oneLine($0))" }]
            let tagsKnown = Set(cases.flatMap(\.tags)).sorted().map(TextEscaping.oneLine)
            let tagHint = tags.isEmpty ? "" : "; the suite's tags are \(tagsKnown.joined(separator: ", "))"
            throw refuse(
                cases.isEmpty
                    ? "the spec files hold no case, so nothing can run"
                    : "the selection \(chosen.compactMap { $0 }.joined(separator: " ")) matches none of the \(counted(cases.count, "case"))\(tagHint)")
        }
        return selected
    }
}

/// Writes to stderr, unbuffered, so messages and the progress line interleave correctly.
func printError(_ message: String, newline: Bool = true) {
    writeUnbuffered(message + (newline ? "\n" : ""), to: STDERR_FILENO)
}

/// Writes `text` to `descriptor` at once. A console gone away (a closed terminal after SIGHUP,
/// a reader that exited) loses the text and nothing else: `FileHandle.write` would trap, and
/// the reports still to be written after an interruption would be lost with the process.
/// - Returns: whether all of `text` was written.
@discardableResult
func writeUnbuffered(_ text: String, to descriptor: Int32) -> Bool {
    writeUnbuffered(Array(text.utf8), to: descriptor)
}

/// Writes all of `bytes` to `descriptor`, as `writeUnbuffered(_:to:)` writes text.
/// - Returns: whether all of it was written.
@discardableResult
func writeUnbuffered(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            written += count
        } else if count < 0 && errno == EINTR {
            continue
        } else {
            return false
        }
    }
    return true
}
