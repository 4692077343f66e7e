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
        /// When the current wait gives up, in `DispatchTime` uptime nanoseconds.
        var deadline: UInt64 = 0
        /// The earliest timer set and not yet fired: a wait that ends at or after it needs no
        /// timer of its own, since that one re-arms for it.
        var timerAt: UInt64?
        /// Timers set so far, for tests.
        var timersSet = 0
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
    /// per-case path, and a task group per line cost more than the wait itself. Nor is it one
    /// timer per wait: setting one wakes dispatch's timer thread, two syscalls and a thread
    /// wake-up per line. A wait that ends no sooner than the timer already set takes that
    /// one, which re-arms for it when it fires early; so a stream of answers within the
    /// timeout sets about one timer per timeout.
    func next(timeout: Duration) async -> Event {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let timer = state.withLock { state -> UInt64? in
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
                    state.waiter = continuation
                    let (deadline, overflow) = DispatchTime.now().uptimeNanoseconds
                        .addingReportingOverflow(UInt64(clamping: max(0, timeout.nanoseconds)))
                    state.deadline = overflow ? .max : deadline
                    if let timerAt = state.timerAt, timerAt <= state.deadline { return nil }
                    state.timerAt = state.deadline
                    state.timersSet += 1
                    return state.deadline
                }
                if let timer { setTimer(at: timer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Event, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: .cancelled)
        }
    }

    /// How many timers the waits have set.
    var timersSet: Int { state.withLock { $0.timersSet } }

    /// Fires the earliest timer set now, as if it had come due before the wait it serves
    /// ends (tests).
    func fireTimerEarly() {
        guard let uptime = state.withLock({ $0.timerAt }) else { return }
        timerFired(setFor: uptime)
    }

    /// Whether a wait is on.
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    private func setTimer(at uptime: UInt64) {
        DispatchQueue.global().asyncAfter(deadline: DispatchTime(uptimeNanoseconds: uptime)) { [self] in
            timerFired(setFor: uptime)
        }
    }

    /// Ends the current wait if its deadline has passed; else, if no earlier timer is set,
    /// sets one for it.
    private func timerFired(setFor uptime: UInt64) {
        let (waiter, timer) = state.withLock { state -> (CheckedContinuation<Event, Never>?, UInt64?) in
            if state.timerAt == uptime { state.timerAt = nil }
            guard state.waiter != nil else { return (nil, nil) }
            if state.deadline <= DispatchTime.now().uptimeNanoseconds {
                defer { state.waiter = nil }
                return (state.waiter, nil)
            }
            if let timerAt = state.timerAt, timerAt <= state.deadline { return (nil, nil) }
            state.timerAt = state.deadline
            state.timersSet += 1
            return (nil, state.deadline)
        }
        waiter?.resume(returning: .timedOut)
        if let timer { setTimer(at: timer) }
    }
}
