import ArgumentParser
import Dispatch
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
import Synchronization

/// The C library's `exit`, by name no declaration here shadows.
@inline(__always) private func libcExit(_ status: Int32) -> Never { exit(status) }

/// SIGINT, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) during `run` or
/// `explore`: the work is cancelled, which kills every engine process (and its group) as the
/// engine's scoped lifetime ends; what ran is reported (`run`: the reports, marked incomplete;
/// `explore`: the closing line, the reproducers already written kept), and the exit code is
/// 128 + the signal (130, 143, 129), as a shell reports it. The handler only cancels.
final class Interruption: Sendable {
    /// After the first signal, how long the run may take to wind down before a hard exit.
    static let windDown = DispatchTimeInterval.seconds(10)

    /// The signals that interrupt a run, in the order their names are documented.
    static let signals = [SIGINT, SIGTERM, SIGHUP]

    private let received = Mutex<Int32?>(nil)
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// Starts catching SIGINT, SIGTERM and SIGHUP.
    init() {
        (stream, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        let queue = DispatchQueue(label: "regspec.signals")
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            sources.append(source)
        }
        self.sources = sources
        for (source, number) in zip(sources, Self.signals) {
            source.setEventHandler { [self] in receive(number) }
            source.resume()
        }
    }

    /// The first signal received, if any.
    var receivedSignal: Int32? { received.withLock { $0 } }

    /// 128 + the signal, the exit code of an interrupted run.
    var exitCode: Int32? { receivedSignal.map { 128 + $0 } }

    private func receive(_ number: Int32) {
        let first = received.withLock { received -> Bool in
            defer { if received == nil { received = number } }
            return received == nil
        }
        guard first else {
            // A second signal: stop waiting for anything.
            LiveProcesses.shared.killAll()
            libcExit(128 + number)
        }
        // Cancellation ends the waits on engines at once, and marks the cases it cuts off as
        // not run; shutdown then kills every engine group. Killing the engines here instead
        // would race the cancellation and report cut-off cases as errored.
        continuation.yield(number)
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.windDown) {
            LiveProcesses.shared.killAll()
            printError("error: the run did not wind down after the signal; exiting without reports")
            libcExit(128 + number)
        }
    }

    /// Runs `work`, cancelling it when a signal arrives, and returns what it returned: work
    /// that winds down on cancellation still returns what ran.
    /// - Throws: what `work` threw.
    func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask { [stream] in
                for await _ in stream { return nil }
                return nil
            }
            var result: T?
            for try await value in group {
                if let value {
                    result = value
                    continuation.finish()
                } else if receivedSignal != nil {
                    group.cancelAll()
                }
            }
            // The work always returns or throws; a structured group rules out neither.
            guard let result else { throw CancellationError() }
            return result
        }
    }

    /// The signal's name, as the messages give it.
    var signalName: String? {
        receivedSignal.map { signal in
            switch signal {
            case SIGINT: "SIGINT"
            case SIGTERM: "SIGTERM"
            case SIGHUP: "SIGHUP"
            default: "signal \(signal)"
            }
        }
    }
}
