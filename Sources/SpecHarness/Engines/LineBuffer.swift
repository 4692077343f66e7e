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
    }

    private struct State {
        var lines: [String] = []
        var closedReason: String?
        var waiter: CheckedContinuation<Event, Never>?
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

    /// The next line, or why there is none.
    func next() async -> Event {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> Event? in
                    if !state.lines.isEmpty { return .line(state.lines.removeFirst()) }
                    if let reason = state.closedReason { return .closed(reason) }
                    if Task.isCancelled { return .cancelled }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Event, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: .cancelled)
        }
    }
}
