#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One exploration: describes the engine, then generates, compares with the reference and
/// shrinks until the case limit, the time, the disagreements allowed, or cancellation, writing
/// each disagreement's reproducer as it is found. The engine is shut down on every path: a
/// reproducer that cannot be written, a signal, or the end.
package struct ExploreSession: Sendable {
    /// What to generate and when to stop.
    package struct Options: Sendable {
        package var seed: UInt64
        /// How many cases to try; nil: no limit but the time (1000 when there is no time limit either).
        package var caseLimit: Int?
        /// Stop generating after this long.
        package var timeLimit: Duration?
        /// Run only this case of the seed.
        package var replay: Int?
        package var invalidRate: Double = 0.2
        /// Stop after this many disagreements (0: never stop early; a replay never stops early).
        package var maximumDisagreements = 1
        package var maximumShrinkAttempts = 4000
        /// Judge the engine as one that announces float64.
        package var assumesFloat64 = false
        /// Where reproducers are written.
        package var reproducerFolder: String
        /// How often a ``Event/progress(_:)`` is sent.
        package var progressInterval: Duration = .seconds(5)
        /// How many cases are worked on at once; their outcomes are taken in case order all the same.
        package var concurrency = Explorer.defaultConcurrency
        /// Whether the engine takes several cases at once (an in-process engine); an engine
        /// process is given one case after another, in case order.
        package var engineRunsConcurrently = false

        package init(seed: UInt64, reproducerFolder: String) {
            self.seed = seed
            self.reproducerFolder = reproducerFolder
        }
    }

    /// What the exploration found so far.
    package struct Tally: Sendable, Equatable {
        /// What the engine announced.
        package var engine: EngineDescription?
        package var agreed = 0
        package var disagreed = 0
        package var errored = 0
        package var skipped = 0
        package var tried = 0
        package var elapsed = Duration.zero
    }

    /// What happens, as it happens, for a console to print.
    package enum Event: Sendable {
        /// The engine described itself; `errorKindsGenerated` is false when only valid calls are.
        case started(EngineDescription, errorKindsGenerated: Bool)
        /// Case `number` broke the engine.
        case errored(number: Int, id: String, EngineFailure)
        /// Case `number` disagreed, and was shrunk; its reproducer is written next.
        case disagreed(Explorer.Finding, id: String, elapsed: Duration)
        /// The reproducer of case `number` is written at `path`.
        case reproducerWritten(number: Int, path: String)
        case progress(Tally)
        /// The disagreements allowed were found.
        case stoppedAtDisagreements(Int)
    }

    /// Why the exploration stopped before its end.
    package enum Failure: Error, Sendable {
        /// The engine did not describe itself.
        case engineDidNotStart(EngineFailure)
        /// A reproducer could not be written: the finding would be lost.
        case cannotWriteReproducer(path: String, reason: String)
    }

    package var options: Options
    /// Tells this run's ids and files from another run's with the same seed.
    package var runLabel: String

    package init(options: Options, runLabel: String = Explorer.newRunLabel()) {
        self.options = options
        self.runLabel = runLabel
    }

    /// Explores `engine` against `reference`, then shuts `engine` down, on every path.
    /// - Parameters:
    ///   - engine: the engine under test; the session owns it from here.
    ///   - reference: the trusted engine, whose observations are the expectations.
    ///   - events: told what happens as it happens.
    /// - Returns: the tally; a cancelled session's does not count the case it cut off.
    /// - Throws: ``Failure``.
    package func run(
        on engine: some Engine, reference: any Engine, events: @escaping @Sendable (Event) -> Void = { _ in }
    ) async throws(Failure) -> Tally {
        let outcome: Result<Tally, Failure> = await withEngine(engine) { engine in
            do throws(Failure) {
                return .success(try await explore(engine, reference: reference, events: events))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    private func explore(_ engine: some Engine, reference: any Engine, events: @Sendable (Event) -> Void) async throws(Failure) -> Tally {
        let description: EngineDescription
        do {
            description = try await engine.describe()
        } catch {
            throw .engineDidNotStart(EngineFailure(wrapping: error))
        }
        let capabilities = description.capabilities.union(options.assumesFloat64 ? [Capability.float64] : [])
        let explorer = Explorer(
            generator: CaseGenerator(capabilities: description.capabilities, invalidRate: options.invalidRate),
            check: DifferentialCheck(reference: reference, engine: engine, engineCapabilities: capabilities),
            shrinker: CaseShrinker(maximumAttempts: options.maximumShrinkAttempts), seed: options.seed, runLabel: runLabel)
        events(.started(description, errorKindsGenerated: !explorer.generator.errorKinds.isEmpty))

        var tally = Tally(engine: description)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = options.timeLimit.map { start + $0 }
        let limit = options.replay == nil ? (options.caseLimit ?? (options.timeLimit == nil ? 1000 : Int.max)) : 1
        var lastProgress = start
        let first = options.replay ?? 1
        let last = options.replay ?? limit
        var failure: Failure?
        await explorer.explore(
            from: first, through: last, concurrently: options.concurrency, engineRunsConcurrently: options.engineRunsConcurrently,
            startsAnother: { deadline.map { clock.now < $0 } ?? true }
        ) { number, outcome in
            tally.tried += 1
            switch outcome {
            case .agreed:
                tally.agreed += 1
            case .skipped:
                tally.skipped += 1
            case .errored(let error):
                tally.errored += 1
                events(.errored(number: number, id: explorer.caseID(number), error))
            case .disagreed(let finding):
                tally.disagreed += 1
                events(.disagreed(finding, id: explorer.caseID(number), elapsed: clock.now - start))
                do throws(Failure) {
                    let path = try write(finding, of: explorer, engine: description)
                    events(.reproducerWritten(number: number, path: path))
                } catch {
                    failure = error
                    return false
                }
            }
            if clock.now - lastProgress >= options.progressInterval {
                lastProgress = clock.now
                var now = tally
                now.elapsed = clock.now - start
                events(.progress(now))
            }
            if options.maximumDisagreements > 0 && tally.disagreed >= options.maximumDisagreements && options.replay == nil {
                events(.stoppedAtDisagreements(tally.disagreed))
                return false
            }
            return true
        }
        if let failure { throw failure }
        tally.elapsed = clock.now - start
        return tally
    }

    /// The engine as the console and the reproducers name it: `engine NAME (LANGUAGE VERSION)`.
    package static func engineName(_ engine: EngineDescription) -> String {
        "engine \(TextEscaping.consoleLine(engine.name)) (\(TextEscaping.consoleLine("\(engine.language) \(engine.version)")))"
    }

    /// Writes the finding's reproducer into the reproducer folder.
    /// - Returns: its path.
    private func write(_ finding: Explorer.Finding, of explorer: Explorer, engine: EngineDescription) throws(Failure) -> String {
        let fileName = explorer.reproducerFileName(finding.caseNumber)
        let path = LexicalPath(options.reproducerFolder).appending(fileName).text
        let text = explorer.reproducerFile(finding, fileName: fileName, engineDescription: Self.engineName(engine))
        do {
            try FileManager.default.createDirectory(atPath: options.reproducerFolder, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .cannotWriteReproducer(path: path, reason: SystemReason.of(error))
        }
        return path
    }
}
