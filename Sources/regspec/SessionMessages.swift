import ArgumentParser
import SpecHarness

/// How the commands word what the library's sessions report as data: an engine that did not
/// start, a file that could not be read or written.
enum SessionMessages {
    /// What `body` returns; what it throws is printed and ends the command with exit code 2.
    static func exitOnError<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
    }

    /// What `body` returns; an engine that did not start ends the command: with exit code 2,
    /// or, when a signal stopped it starting, with the signal's exit code. No case ran either way.
    static func exitOnEngineFailure<T>(_ interruption: Interruption, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch RunSession.Failure.engineDidNotStart(let failure) {
            throw engineDidNotStart(failure, interruption)
        } catch ExploreSession.Failure.engineDidNotStart(let failure) {
            throw engineDidNotStart(failure, interruption)
        }
    }

    private static func engineDidNotStart(_ failure: EngineFailure, _ interruption: Interruption) -> ExitCode {
        if let name = interruption.signalName {
            printError("interrupted by \(name) while the engine started; no case ran")
            return ExitCode(interruption.exitCode ?? 2)
        }
        printError("error: the engine could not start: \(TextEscaping.console(failure.description))")
        return ExitCode(2)
    }
}
