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

/// The C library's `exit`, by name no declaration here shadows.
@inline(__always) private func libcExit(_ status: Int32) -> Never { exit(status) }

@main
struct RegSpec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regspec",
        abstract: "The conformance suite for structured regularizers in Tinker-style training clients.",
        discussion: """
            Spec files (specs/*.yaml) describe forward_backward_custom calls and what must come out of \
            them. `regspec run` runs them against an engine (the built-in Swift reference by default) \
            and reports for people and CI; `regspec validate` checks spec files without running them; \
            `regspec list` shows the cases and what they cover.

            Exit codes: 0 everything passed (or validated), 1 a case failed or errored, no case ran, \
            or the engine lacks a core capability, 2 a usage error or a broken spec file, \
            128 + the signal (130, 143, 129) when SIGINT, SIGTERM or SIGHUP interrupts `run` or `explore`.

            Docs: docs/spec-format.md (writing cases), docs/catalogue.md (fns), docs/coverage.md.
            """,
        version: RegSpecVersion.current,
        subcommands: [RunCommand.self, ReportCommand.self, ListCommand.self, ValidateCommand.self, ServeCommand.self, ExploreCommand.self]
    )

    /// Parses and runs a subcommand; usage errors exit with 2, as documented, not 64.
    static func main() async {
        ProcessSettings.apply()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                libcExit(2)
            }
            exit(withError: error)
        }
    }
}
