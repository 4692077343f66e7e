#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SpecHarness
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `--report jsonl` destinations of a run, written one line per case the moment the case
/// finishes, so a consumer (the pytest plugin, a dashboard) acts on each result without
/// waiting for the run to end. A path is opened (created or truncated) before the engine starts.
final class CaseStream: Sendable {
    private let descriptors: [Int32]
    private let knownFailures: ExpectedFailures
    /// Each case's place in the suite and its spec: the JSON report's fields beyond the result.
    private let specs: [String: (order: Int, spec: SpecCase)]
    private let lock = Mutex(())

    /// - Throws: `ReportWriteError` when a path cannot be opened for writing.
    init(_ requests: [ReportRequest], suite: LoadedSuite, knownFailures: ExpectedFailures) throws(ReportWriteError) {
        var descriptors: [Int32] = []
        for request in requests where request.format == .jsonl {
            guard let path = request.path else {
                descriptors.append(STDOUT_FILENO)
                continue
            }
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                let error = ReportWriteError(path: path, reason: String(cString: strerror(errno)).lowercased())
                for opened in descriptors where opened != STDOUT_FILENO { close(opened) }
                throw error
            }
            descriptors.append(descriptor)
        }
        self.descriptors = descriptors
        self.knownFailures = knownFailures
        var specs: [String: (order: Int, spec: SpecCase)] = [:]
        for (order, spec) in suite.cases.enumerated() where specs[spec.id] == nil { specs[spec.id] = (order, spec) }
        self.specs = specs
    }

    /// Whether any jsonl report is streamed (so the closing reports leave it alone).
    var isActive: Bool { !descriptors.isEmpty }

    /// Writes the case's record, its expected failure applied, to every destination.
    func send(_ result: CaseResult) {
        guard isActive, let marked = knownFailures.apply(to: [result]).first else { return }
        // The JSON report's record but `source` (the case's YAML), which `regspec list --json` has.
        var record = CaseRecord(marked)
        if let (order, spec) = specs[record.id] {
            record.order = order
            record.tags = spec.tags
            record.checklist = spec.covers.checklist
            record.rules = spec.covers.rules
            record.column = spec.location.column
        }
        let bytes = Array(JSONLinesReporter().line(for: record).utf8)
        lock.withLock { _ in
            if descriptors.contains(STDOUT_FILENO) { fflush(nil) }
            for descriptor in descriptors {
                var offset = 0
                while offset < bytes.count {
                    let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                    if written < 0 && errno == EINTR { continue }
                    // A reader that went away (pytest stopped on -x) ends the stream, not the run.
                    guard written > 0 else { break }
                    offset += written
                }
            }
        }
    }

    /// Closes the files (stdout stays open).
    func finish() {
        lock.withLock { _ in
            for descriptor in descriptors where descriptor != STDOUT_FILENO { close(descriptor) }
        }
    }
}
