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

/// A one-line counter on stderr while a run goes, only when stderr is a terminal:
/// `[12/156, 1 failed/errored] gradients/kl-3`, and once a case has run for `slowAfter`,
/// the longest running one: `[12/156, 1 failed/errored] still running: gradients/kl-3 (14 s)`.
final class ProgressLine: Sendable {
    private struct State {
        var done = 0
        var failed = 0
        var last = ""
        var running: [String: ContinuousClock.Instant] = [:]
        /// Between `clear()` and `advance`: a case's block is being printed, draw nothing.
        var suspended = false
        var timer: (any DispatchSourceTimer)?
    }

    private let total: Int
    private let enabled: Bool
    private let slowAfter: Duration
    private let state = Mutex(State())
    private static let clock = ContinuousClock()

    /// - Parameter quiet: `-q`, which asks for the closing counts line only.
    init(total: Int, quiet: Bool = false, slowAfter: Duration = .seconds(5)) {
        self.total = total
        self.slowAfter = slowAfter
        enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    /// A case started: it may become the slowest running one.
    func start(_ caseID: String) {
        guard enabled else { return }
        state.withLock { state in
            state.running[caseID] = Self.clock.now
            if state.timer == nil {
                // Redraws while nothing finishes, so a slow case shows up without waiting for it.
                let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "regspec.progress"))
                timer.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1))
                timer.setEventHandler { [weak self] in self?.redraw() }
                timer.resume()
                state.timer = timer
            }
        }
    }

    /// A case finished; `failures` counts the failed and errored cases so far.
    func advance(_ result: CaseResult, failures: Int) {
        guard enabled else { return }
        state.withLock { state in
            state.done += 1
            state.failed = failures
            state.last = result.caseID
            state.running[result.caseID] = nil
            state.suspended = false
            draw(state)
        }
    }

    /// Erases the counter so a line printed next starts clean; nothing is drawn until `advance`.
    func clear() {
        guard enabled else { return }
        state.withLock { state in
            state.suspended = true
            printError("\u{1B}[2K\r", newline: false)
        }
    }

    func finish() {
        guard enabled else { return }
        state.withLock { state in
            state.timer?.cancel()
            state.timer = nil
            state.suspended = true
            printError("\u{1B}[2K\r", newline: false)
        }
    }

    private func redraw() {
        state.withLock { state in
            if !state.suspended { draw(state) }
        }
    }

    private func draw(_ state: State) {
        let now = Self.clock.now
        let slowest = state.running.min { $0.value < $1.value }.flatMap { now - $0.value >= slowAfter ? ($0.key, now - $0.value) : nil }
        printError("\u{1B}[2K\r" + Self.line(done: state.done, total: total, failed: state.failed, last: state.last, slowest: slowest), newline: false)
    }

    /// The counter's text, at most about 80 columns: ids longer than 40 characters lose their middle.
    static func line(done: Int, total: Int, failed: Int, last: String, slowest: (caseID: String, running: Duration)?) -> String {
        let counts = "[\(done)/\(total)" + (failed > 0 ? ", \(failed) failed/errored]" : "]")
        if let slowest {
            return counts + " still running: \(shortened(slowest.caseID)) (\(slowest.running.components.seconds) s)"
        }
        return last.isEmpty ? counts : counts + " " + shortened(last)
    }

    private static func shortened(_ caseID: String) -> String {
        let text = TextEscaping.oneLine(caseID)
        guard text.count > 40 else { return text }
        return String(text.prefix(19)) + "…" + String(text.suffix(20))
    }
}
