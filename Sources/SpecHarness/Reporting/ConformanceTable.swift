/// Cases x engines, from one or more reports, with counts per engine grouped by suite and by
/// checklist item and rule: the table of `regspec report A.json B.json ...` (like Bowtie's).
public struct ConformanceTable: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var suite: String
        public var checklist: [String]
        public var rules: [String]
        /// The case in each engine's report, in `engines` order; nil when that engine did not run it.
        public var records: [CaseRecord?]

        /// The first report's record, for what every engine shares (file, YAML).
        public var any: CaseRecord? { records.compactMap { $0 }.first }
    }

    /// A row of counts: a suite, a checklist item or a rule, and how each engine did on its cases.
    public struct Group: Sendable {
        public var name: String
        public var caseCount: Int
        public var passed: [Int]
        public var ran: [Int]
    }

    public var engines: [String]
    public var documents: [ReportDocument]
    public var rows: [Row]

    public init(_ documents: [ReportDocument]) {
        self.documents = documents
        var labels: [String] = []
        for document in documents {
            var label = document.engine.label
            var suffix = 2
            while labels.contains(label) {
                label = "\(document.engine.label) #\(suffix)"
                suffix += 1
            }
            labels.append(label)
        }
        engines = labels
        var order: [String: Int] = [:]
        var ids: [String] = []
        for document in documents {
            for record in document.cases where order[record.id] == nil {
                order[record.id] = record.order
                ids.append(record.id)
            }
        }
        let sorted = ids.enumerated().sorted { (order[$0.element] ?? 0, $0.offset) < (order[$1.element] ?? 0, $1.offset) }.map(\.element)
        let indexes = documents.map { document in Dictionary(document.cases.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }) }
        rows = sorted.map { id in
            let records = indexes.map { $0[id] }
            let first = records.compactMap { $0 }.first
            return Row(id: id, suite: first?.suite ?? "", checklist: first?.checklist ?? [], rules: first?.rules ?? [], records: records)
        }
    }

    /// Per engine: how many cases have each status.
    public func count(_ status: CaseResult.Status, engine: Int) -> Int {
        rows.filter { $0.records[engine]?.status == status }.count
    }

    public var bySuite: [Group] { groups { [$0.suite] } }
    public var byChecklistItem: [Group] { groups(\.checklist).sorted { $0.name < $1.name } }
    public var byRule: [Group] { groups(\.rules).sorted { $0.name < $1.name } }

    private func groups(_ keys: (Row) -> [String]) -> [Group] {
        var result: [Group] = []
        var index: [String: Int] = [:]
        for row in rows {
            for key in keys(row) {
                let position = index[key] ?? {
                    result.append(Group(name: key, caseCount: 0, passed: engines.map { _ in 0 }, ran: engines.map { _ in 0 }))
                    index[key] = result.count - 1
                    return result.count - 1
                }()
                result[position].caseCount += 1
                for (engine, record) in row.records.enumerated() {
                    guard let record else { continue }
                    result[position].ran[engine] += 1
                    if record.status == .passed || record.status == .xpassed { result[position].passed[engine] += 1 }
                }
            }
        }
        return result
    }

    /// Whether the reports ran the same suite (same content hash), so rows compare like with like.
    public var sameSuite: Bool { Set(documents.map(\.suite.contentHash)).count <= 1 }

    /// A status as a table cell shows it.
    public static func mark(_ status: CaseResult.Status?) -> String {
        switch status {
        case .passed: return "✅ pass"
        case .failed: return "❌ FAIL"
        case .errored: return "💥 ERROR"
        case .skipped: return "⏭ skip"
        case .xfailed: return "⚠️ xfail"
        case .xpassed: return "❗ XPASS"
        case nil: return "—"
        }
    }
}

extension ConformanceTable {
    /// The comparison as the console shows it: counts per engine with why an engine's run fails
    /// beyond its cases (`FAILED:`) and its notes, then the cases where the engines disagree or
    /// some engine did not pass.
    public func renderText() -> String {
        var lines: [String] = []
        for (index, document) in documents.enumerated() {
            let engine = document.engine
            lines.append("\(TextEscaping.oneLine(engines[index])) (\(TextEscaping.oneLine("\(engine.language) \(engine.version)"))): \(document.summaryLine)")
            lines += document.verdictProblems.map { "  FAILED: \(TextEscaping.oneLine($0))" }
            lines += document.verdictNotes.map { "  note: \(TextEscaping.oneLine($0))" }
        }
        if !sameSuite { lines.append("warning: the reports ran different suites (their content hashes differ)") }
        let interesting = rows.filter { row in row.records.contains { $0?.status != .passed } }
        if !interesting.isEmpty {
            let width = max(4, interesting.map { TextEscaping.oneLine($0.id).count }.max() ?? 0)
            let columns = engines.map { max(8, TextEscaping.oneLine($0).count) }
            func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
            lines.append("")
            lines.append(pad("case", width) + "  " + zip(engines, columns).map { pad(TextEscaping.oneLine($0), $1) }.joined(separator: "  "))
            for row in interesting {
                let marks = zip(row.records, columns).map { pad($0?.status.rawValue ?? "-", $1) }
                lines.append(pad(TextEscaping.oneLine(row.id), width) + "  " + marks.joined(separator: "  "))
            }
        }
        var closing = "\(counted(rows.count, "case")), \(counted(engines.count, "engine")); \(counted(interesting.count, "case")) not passed by every engine"
        let failing = documents.filter { !$0.verdictProblems.isEmpty }.count
        if failing > 0 { closing += "; \(failing) engine(s) fail their run (FAILED above)" }
        lines.append(closing)
        return lines.joined(separator: "\n") + "\n"
    }
}
