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

/// Prints each case's console block the moment it finishes (as pytest does), and counts the
/// failures for the progress line.
final class LiveConsole: Sendable {
    private let console: ConsoleReporter
    private let enabled: Bool
    private let knownFailures: ExpectedFailures
    private let failures = Mutex(0)

    init(console: ConsoleReporter, enabled: Bool, knownFailures: ExpectedFailures) {
        self.console = console
        self.enabled = enabled
        self.knownFailures = knownFailures
    }

    func show(_ result: CaseResult) {
        guard let marked = knownFailures.apply(to: [result]).first else { return }
        let record = CaseRecord(marked)
        if record.status == .failed || record.status == .errored {
            failures.withLock { $0 += 1 }
        }
        guard enabled else { return }
        let block = console.caseBlock(record)
        if !block.isEmpty {
            print(block, terminator: "")
            fflush(nil)
        }
    }

    /// The failed and errored cases so far, expected failures not counted.
    var failureCount: Int { failures.withLock { $0 } }
}
