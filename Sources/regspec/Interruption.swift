import Dispatch
import Foundation
import SpecHarness
import Synchronization

/// SIGINT and SIGTERM during a run: every engine process (and its group) is killed, the cases
/// still running are dropped, the reports of what ran are written marked incomplete, and the
/// exit code is 128 + the signal (130, 143), as a shell reports it.
final class Interruption: Sendable {
    /// After the first signal, how long the run may take to wind down before a hard exit.
    static let windDown = DispatchTimeInterval.seconds(10)

    private let received = Mutex<Int32?>(nil)
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    /// Starts catching SIGINT and SIGTERM.
    init() {
        (stream, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        let queue = DispatchQueue(label: "regspec.signals")
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            sources.append(source)
        }
        self.sources = sources
        for (source, number) in zip(sources, [SIGINT, SIGTERM]) {
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
            Foundation.exit(128 + number)
        }
        // Cancellation ends the waits on engines at once, and marks the cases it cuts off as
        // not run; shutdown then kills every engine group. Killing the engines here instead
        // would race the cancellation and report cut-off cases as errored.
        continuation.yield(number)
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.windDown) {
            LiveProcesses.shared.killAll()
            FileHandle.standardError.write(Data("error: the run did not wind down after the signal; exiting without reports\n".utf8))
            Foundation.exit(128 + number)
        }
    }

    /// Runs `work`, cancelling it when a signal arrives, and returns what it returned (nil
    /// only if it never did, which a structured group rules out).
    func run<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await work() }
            group.addTask { [stream] in
                for await _ in stream { return nil }
                return nil
            }
            var result: T?
            for await value in group {
                if let value {
                    result = value
                    continuation.finish()
                } else if receivedSignal != nil {
                    // The work winds down on cancellation and still returns what ran.
                    group.cancelAll()
                }
            }
            return result
        }
    }

    /// Marks `report` incomplete and says so, when a signal cut the run short.
    func reportIfInterrupted(_ report: inout RunReport, of total: Int) {
        guard let signal = receivedSignal else { return }
        report.incomplete = true
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        printError("interrupted by \(name): \(report.results.count) of \(total) case(s) ran; the reports are incomplete")
    }
}
