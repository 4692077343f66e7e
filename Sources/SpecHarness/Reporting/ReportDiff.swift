/// What changed between an old and a new report of one engine.
public struct ReportDiff: Sendable {
    public struct Change: Sendable, Equatable {
        public var id: String
        public var old: CaseResult.Status?
        public var new: CaseResult.Status?
    }

    /// Passing (or absent) before, failing, erroring or unexpectedly passing now.
    public var newlyFailing: [Change] = []
    /// Failing or erroring before, passing now.
    public var newlyPassing: [Change] = []
    /// In the old report only.
    public var removed: [String] = []

    public init(old: ReportDocument, new: ReportDocument) {
        let bad: Set<CaseResult.Status> = [.failed, .errored, .xpassed]
        let before = Dictionary(old.cases.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
        let after = Set(new.cases.map(\.id))
        for record in new.cases {
            let previous = before[record.id]
            let wasBad = previous.map(bad.contains) ?? false
            let isBad = bad.contains(record.status)
            if isBad && !wasBad { newlyFailing.append(Change(id: record.id, old: previous, new: record.status)) }
            if !isBad && wasBad && record.status != .skipped {
                newlyPassing.append(Change(id: record.id, old: previous, new: record.status))
            }
        }
        removed = old.cases.map(\.id).filter { !after.contains($0) }
    }

    /// The diff as the console shows it.
    public func render() -> String {
        var lines: [String] = []
        func name(_ status: CaseResult.Status?) -> String { status?.rawValue ?? "absent" }
        if !newlyFailing.isEmpty {
            lines.append("newly failing (\(newlyFailing.count)):")
            lines += newlyFailing.map { "  \(TextEscaping.oneLine($0.id)): \(name($0.old)) -> \(name($0.new))" }
        }
        if !newlyPassing.isEmpty {
            lines.append("newly passing (\(newlyPassing.count)):")
            lines += newlyPassing.map { "  \(TextEscaping.oneLine($0.id)): \(name($0.old)) -> \(name($0.new))" }
        }
        if !removed.isEmpty {
            lines.append("no longer in the report (\(removed.count)):")
            lines += removed.map { "  \(TextEscaping.oneLine($0))" }
        }
        lines.append("\(newlyFailing.count) newly failing, \(newlyPassing.count) newly passing, \(removed.count) removed")
        return lines.joined(separator: "\n") + "\n"
    }
}
