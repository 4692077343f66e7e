/// Which cases cover each checklist item and semantics rule.
package struct CoverageReport: Sendable {
    package struct Row: Sendable {
        package var id: String
        package var summary: String
        package var caseIDs: [String]
    }

    package var checklist: [Row]
    package var rules: [Row]

    package init(cases: [SpecCase]) {
        checklist = CoverageItems.checklist.map { item in
            Row(id: item.id, summary: item.summary, caseIDs: cases.filter { $0.covers.checklist.contains(item.id) }.map(\.id))
        }
        rules = CoverageItems.rules.map { item in
            Row(id: item.id, summary: item.summary, caseIDs: cases.filter { $0.covers.rules.contains(item.id) }.map(\.id))
        }
    }

    /// Ids no case covers.
    package var uncovered: [String] {
        (checklist + rules).filter(\.caseIDs.isEmpty).map(\.id)
    }

    package func render() -> String {
        func section(_ title: String, _ rows: [Row]) -> [String] {
            [title] + rows.map { row in
                let cases = row.caseIDs.isEmpty ? "NOT COVERED" : "\(row.caseIDs.count): \(row.caseIDs.map(TextEscaping.oneLine).joined(separator: ", "))"
                return "  \(row.id)  \(cases)"
            }
        }
        var lines = section("checklist items", checklist) + section("semantics rules", rules)
        let covered = (checklist + rules).count - uncovered.count
        lines.append("\(covered) of \((checklist + rules).count) covered" + (uncovered.isEmpty ? "" : "; uncovered: \(uncovered.joined(separator: ", "))"))
        return lines.joined(separator: "\n")
    }
}
