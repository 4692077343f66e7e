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

/// A one-line counter on stderr while a long run goes, only when stderr is a terminal.
final class ProgressLine: Sendable {
    private let total: Int
    private let enabled: Bool
    private let done = Mutex(0)

    init(total: Int) {
        self.total = total
        enabled = isatty(STDERR_FILENO) != 0 && total >= 20
    }

    func advance(_ result: CaseResult) {
        guard enabled else { return }
        let count = done.withLock { count in
            count += 1
            return count
        }
        printError("\u{1B}[2K\r[\(count)/\(total)] \(TextEscaping.oneLine(result.caseID))", newline: false)
    }

    /// Erases the counter so a line printed next starts clean.
    func clear() {
        if enabled { printError("\u{1B}[2K\r", newline: false) }
    }

    func finish() {
        if enabled { printError("\u{1B}[2K\r", newline: false) }
    }
}
