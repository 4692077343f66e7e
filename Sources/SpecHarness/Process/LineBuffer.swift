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
        var queuedBytes = 0
        var closedReason: String?
        var waiter: CheckedContinuation<Event, Never>?
        /// Tells a stale timer from the one of the current wait.
        var waitNumber = 0
    }

    private let state = Mutex(State())

    /// Lines nobody has asked for yet are kept up to this many bytes; an engine flooding its
    /// stdout beyond it is broken, and the stream is closed.
    static let maximumQueuedBytes = 64 << 20

    func push(_ line: String) {
        push(contentsOf: [line])
    }

    /// Queues `lines` in one step: a waiter resumed with the first finds the rest already here.
    func push(contentsOf lines: [String]) {
        let (waiter, first) = state.withLock { state -> (CheckedContinuation<Event, Never>?, String?) in
            guard state.closedReason == nil else { return (nil, nil) }
            var rest = lines[...]
            var handed: (CheckedContinuation<Event, Never>, String)?
            if let waiter = state.waiter, let first = rest.popFirst() {
                state.waiter = nil
                handed = (waiter, first)
            }
            for line in rest {
                state.lines.append(line)
                state.queuedBytes += line.utf8.count
            }
            if state.queuedBytes > Self.maximumQueuedBytes {
                state.closedReason = "the engine wrote more than \(Self.maximumQueuedBytes >> 20) MiB of lines nobody asked for"
                state.lines = []
                state.queuedBytes = 0
            }
            return (handed?.0, handed?.1)
        }
        if let waiter, let first { waiter.resume(returning: .line(first)) }
    }

    /// Lines that arrived without being asked for (after the reply that was), dropped.
    /// - Returns: how many there were.
    func discardQueued() -> Int {
        state.withLock { state in
            defer {
                state.lines = []
                state.queuedBytes = 0
            }
            return state.lines.count
        }
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
                        let line = state.lines.removeFirst()
                        state.queuedBytes -= line.utf8.count
                        continuation.resume(returning: .line(line))
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
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(timeout.nanoseconds)) { [self] in
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
