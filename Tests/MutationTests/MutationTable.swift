#if REGSPEC_FAULTS
import TinkerWire
import TrainingClient

/// The mutation table: each fault, its area, and the cases that caught it.
struct MutationTable {
    let baseline: FaultRun
    let runs: [FaultRun]

    /// The cases that caught a fault: failed with it, and passed on the unbroken reference.
    func catchers(of run: FaultRun) -> [String] {
        let baselineFailures = Set(baseline.notPassed)
        return run.notPassed.filter { !baselineFailures.contains($0) }
    }

    var survivors: [ReferenceFault] {
        runs.filter { catchers(of: $0).isEmpty }.compactMap(\.fault)
    }

    /// Plain text, one fault per row, the catching case ids wrapped under it.
    func rendered(idsPerFault limit: Int = 6) -> String {
        let faultWidth = max(5, runs.compactMap { $0.fault?.rawValue.count }.max() ?? 0)
        var lines = [
            "Mutation score: \(runs.count - survivors.count) of \(runs.count) faults caught by \(baseline.caseCount) cases"
                + (baseline.notPassed.isEmpty ? "" : " (\(baseline.notPassed.count) cases fail even unbroken: \(baseline.notPassed.joined(separator: ", ")))"),
            "",
            pad("fault", faultWidth) + "  caught by",
        ]
        var area: ReferenceFault.Area?
        for run in runs {
            guard let fault = run.fault else { continue }
            if fault.area != area {
                area = fault.area
                lines.append("-- \(fault.area.rawValue)")
            }
            let ids = catchers(of: run)
            let shown = ids.prefix(limit).joined(separator: ", ") + (ids.count > limit ? ", +\(ids.count - limit) more" : "")
            let verdict = ids.isEmpty ? "SURVIVED (no case failed)" : "\(ids.count): \(shown)"
            lines.append(pad(fault.rawValue, faultWidth) + "  " + verdict)
        }
        if !survivors.isEmpty {
            lines += ["", "Survivors:"] + survivors.map { fault in
                "  \(fault.rawValue): the reference \(fault.summary)"
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every catching case id, for the report file.
    func renderedInFull() -> String {
        var lines = ["| fault | area | what the broken reference does | cases that caught it |", "|---|---|---|---|"]
        for run in runs {
            guard let fault = run.fault else { continue }
            let ids = catchers(of: run)
            let caught = ids.isEmpty ? "**survived**" : "\(ids.count): " + ids.map { "`\($0)`" }.joined(separator: ", ")
            lines.append("| `\(fault.rawValue)` | \(fault.area.rawValue) | \(fault.summary) | \(caught) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
#endif
