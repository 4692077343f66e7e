import Foundation
import SpecHarness

/// Prints each case's console block the moment it finishes (as pytest does).
final class LiveConsole: Sendable {
    private let console: ConsoleReporter
    private let enabled: Bool
    private let knownFailures: ExpectedFailures

    init(console: ConsoleReporter, enabled: Bool, knownFailures: ExpectedFailures) {
        self.console = console
        self.enabled = enabled
        self.knownFailures = knownFailures
    }

    func show(_ result: CaseResult) {
        guard enabled, let marked = knownFailures.apply(to: [result]).first else { return }
        let block = console.caseBlock(CaseRecord(marked))
        if !block.isEmpty {
            print(block, terminator: "")
            fflush(nil)
        }
    }
}
