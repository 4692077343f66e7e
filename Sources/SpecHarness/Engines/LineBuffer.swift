import Dispatch
import Synchronization

/// Lines read from an engine's stdout, handed to one waiting reader at a time.
///
/// A lock rather than an actor, so that a cancelled wait can be resumed synchronously from
/// the cancellation handler, which is what lets a per-case timeout abandon the wait.
final class LineBuffer: Sendable {
    enum Event: Sendable, Equatable {
        case line(String)
        /// The stream ended, with why.
        case closed(String)
        case cancelled
        case timedOut
    }

    private struct State {
        var lines: [String] = []
        var closedReason: String?
        var waiter: CheckedContinuation<Event, Never>?
        /// Tells a stale timer from the one of the current wait.
        var waitNumber = 0
    }

    private let state = Mutex(State())

    func push(_ line: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Event, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.lines.append(line)
            return nil
        }
        waiter?.resume(returning: .line(line))
    }

    func close(_ reason: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Event, Never>? in
            if state.closedReason == nil { state.closedReason = reason }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .closed(reason))
    }

    /// The next line, or why there is none, waiting at most `timeout`.
    ///
    /// The timer is a dispatch timer rather than a racing task: this is on the protocol's
    /// per-case path, and a task group per line cost more than the wait itself.
    func next(timeout: Duration) async -> Event {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let wait = state.withLock { state -> Int? in
                    if !state.lines.isEmpty {
                        continuation.resume(returning: .line(state.lines.removeFirst()))
                        return nil
                    }
                    if let reason = state.closedReason {
                        continuation.resume(returning: .closed(reason))
                        return nil
                    }
                    if Task.isCancelled {
                        continuation.resume(returning: .cancelled)
                        return nil
                    }
                    state.waitNumber += 1
                    state.waiter = continuation
                    return state.waitNumber
                }
                guard let wait else { return }
                let (seconds, attoseconds) = timeout.components
                let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
                    resumeWaiter(with: .timedOut, ifWaiting: wait)
                }
            }
        } onCancel: {
            resumeWaiter(with: .cancelled, ifWaiting: nil)
        }
    }

    /// Resumes the current waiter, if any (and if it is still wait number `wait`).
    private func resumeWaiter(with event: Event, ifWaiting wait: Int?) {
        let waiter = state.withLock { state -> CheckedContinuation<Event, Never>? in
            guard wait == nil || wait == state.waitNumber else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: event)
    }
}
