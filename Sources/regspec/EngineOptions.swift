import ArgumentParser
import ReferenceEngine
import SpecHarness

/// Which engine a session runs against and how long it may take: shared by `run` and `explore`.
struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The engine under test, behind the JSON-lines protocol (docs/protocol.md), instead of the built-in reference.",
        discussion: "Run through /bin/sh, e.g. \"python3 -m regspec_adapter --client my_pkg:TrainingClient\". With `--jobs N` (run, explore), N processes.",
        valueName: "command"))
    var engineCommand: String?

    @Option(help: ArgumentHelp("Seconds a case may take on the engine before it is reported as errored (and an engine process killed).", valueName: "seconds"))
    var timeout: Double = 30

    @Option(help: "How many times a crashed or hung engine is restarted before every remaining case is errored.")
    var maxRestarts: Int = 5

    @Flag(help: "Reject engine replies with keys the protocol does not define.")
    var strictProtocol = false

    func validate() throws {
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be a number of seconds above 0, at most 86400") }
        guard maxRestarts >= 0 else { throw ValidationError("--max-restarts must not be negative") }
        if engineCommand == nil && strictProtocol {
            throw ValidationError("--strict-protocol applies to --engine-command engines only")
        }
    }

    var caseTimeout: Duration { .milliseconds(timeout * 1000) }

    /// The engine behind `--engine-command` with `processes` processes, or nil without one.
    func processEngine(processes: Int = 1) -> ProcessEngine? {
        engineCommand.map { command in
            ProcessEngine(
                command: command, processes: processes, caseTimeout: caseTimeout, maximumRestarts: maxRestarts,
                strictProtocol: strictProtocol)
        }
    }

    /// The engine under test: the `--engine-command` one, or the built-in reference.
    func engine(processes: Int) -> any Engine {
        processEngine(processes: processes) ?? ReferenceEngine()
    }
}
