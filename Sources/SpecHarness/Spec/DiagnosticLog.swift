import Synchronization

/// Collects the problems found while parsing spec files, so parsing goes on after each one
/// and `validate` lists them all in one pass, as a compiler does.
///
/// A task-local, so every `MappingReader` reports into the log of the file being parsed
/// without each parsing function passing it along; with no log, problems are thrown.
final class DiagnosticLog: Sendable {
    @TaskLocal static var current: DiagnosticLog?

    private let storage = Mutex<[SpecDiagnostic]>([])

    var diagnostics: [SpecDiagnostic] { storage.withLock { $0 } }
    var count: Int { storage.withLock { $0.count } }

    func report(_ diagnostic: SpecDiagnostic) {
        storage.withLock { $0.append(diagnostic) }
    }

    /// Reports `diagnostic` to the current log, or throws it when nothing collects.
    static func reportOrThrow(_ diagnostic: SpecDiagnostic) throws(SpecDiagnostic) {
        guard let log = current else { throw diagnostic }
        log.report(diagnostic)
    }
}
