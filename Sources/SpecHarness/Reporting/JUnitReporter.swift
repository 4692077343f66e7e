#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JUnit XML as GitHub, GitLab and Jenkins read it: one testsuite per spec suite, one testcase
/// per case, the engine and suite identity as properties. Spec-file problems that stopped the
/// run become one testcase with one error, and each verdict problem (nothing ran, a
/// non-conforming engine) a testcase with an error in a `verdict` testsuite, so a dashboard
/// shows the run red whenever RegSpec fails it; verdict notes are `verdict.note` properties.
public struct JUnitReporter: Reporter {
    public init() {}

    public func render(_ document: ReportDocument) -> String {
        var suites: [(name: String, cases: [CaseRecord])] = []
        for record in document.cases {
            if let index = suites.firstIndex(where: { $0.name == record.suite }) {
                suites[index].cases.append(record)
            } else {
                suites.append((record.suite, [record]))
            }
        }
        let esc = { (text: String) in TextEscaping.xml(text, attribute: true) }
        let problemCount = document.problems.isEmpty ? 0 : 1
        let verdictProblems = document.verdictProblems
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += "<testsuites name=\"regspec\" \(counts(document.cases, extraErrors: problemCount + verdictProblems.count)) time=\"\(seconds(document.durationSeconds))\" timestamp=\"\(esc(document.startedAt))\">\n"
        let header = { (name: String, cases: [CaseRecord], extraErrors: Int) -> String in
            let time = cases.reduce(0) { $0 + $1.durationSeconds }
            return "  <testsuite name=\"\(esc(name))\" \(counts(cases, extraErrors: extraErrors)) time=\"\(seconds(time))\" timestamp=\"\(esc(document.startedAt))\" hostname=\"\(esc(document.hostname))\">\n"
                + properties(document)
        }
        if !document.problems.isEmpty {
            let text = document.problems.map { "\($0.file):\($0.line):\($0.column): \($0.message)" }.joined(separator: "\n")
            let first = document.problems.first.map { "\($0.file):\($0.line):\($0.column): \($0.message)" } ?? ""
            xml += header("spec files", [], 1)
            xml += "    <testcase classname=\"spec files\" name=\"load the spec files\" file=\"\(esc(document.problems.first?.file ?? ""))\" line=\"\(document.problems.first?.line ?? 1)\" time=\"0\">\n"
            xml += "      <error message=\"\(esc("\(counted(document.problems.count, "problem")) in the spec files, nothing was run: \(first)"))\" type=\"spec\">\(TextEscaping.xml(text))</error>\n"
            xml += "    </testcase>\n  </testsuite>\n"
        }
        for suite in suites {
            xml += header(suite.name, suite.cases, 0)
            for record in suite.cases {
                xml += "    <testcase classname=\"\(esc(record.suite))\" name=\"\(esc(record.id))\""
                xml += " file=\"\(esc(record.file))\" line=\"\(record.line)\" time=\"\(seconds(record.durationSeconds))\""
                let details = TextEscaping.xml(record.detailLines.joined(separator: "\n"))
                let first = esc(record.detailLines.first ?? "")
                switch record.status {
                case .passed:
                    xml += "/>\n"
                    continue
                case .failed:
                    xml += ">\n      <failure message=\"\(first)\" type=\"mismatch\">\(details)</failure>\n"
                case .errored:
                    xml += ">\n      <error message=\"\(first)\" type=\"engine\">\(details)</error>\n"
                case .skipped:
                    xml += ">\n      <skipped message=\"\(first)\"/>\n"
                case .xfailed:
                    xml += ">\n      <skipped message=\"expected failure: \(esc(record.expectedFailure ?? ""))\">\(details)</skipped>\n"
                case .xpassed:
                    xml += ">\n      <failure message=\"listed as an expected failure but passed\" type=\"xpass\">\(TextEscaping.xml(record.expectedFailure ?? ""))</failure>\n"
                }
                xml += "    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        if !verdictProblems.isEmpty {
            xml += header("verdict", [], verdictProblems.count)
            for problem in verdictProblems {
                xml += "    <testcase classname=\"verdict\" name=\"\(esc(TextEscaping.oneLine(problem)))\" time=\"0\">\n"
                xml += "      <error message=\"\(esc(problem))\" type=\"verdict\">\(TextEscaping.xml(problem))</error>\n"
                xml += "    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    private func properties(_ document: ReportDocument) -> String {
        var pairs = [
            ("regspec.version", document.harness.version),
            ("suite.version", document.suite.version),
            ("suite.content_hash", document.suite.contentHash),
            ("engine.label", document.engine.label),
            ("engine.name", document.engine.name),
            ("engine.language", document.engine.language),
            ("engine.version", document.engine.version),
            ("engine.capabilities", document.engine.capabilities.joined(separator: ",")),
        ]
        if let command = document.engine.command { pairs.append(("engine.command", command)) }
        if let shard = document.selection.shard { pairs.append(("shard", shard)) }
        if document.incomplete { pairs.append(("incomplete", "true")) }
        pairs += document.verdictNotes.map { ("verdict.note", $0) }
        let lines = pairs.map {
            "      <property name=\"\($0.0)\" value=\"\(TextEscaping.xml($0.1, attribute: true))\"/>\n"
        }
        return "    <properties>\n" + lines.joined() + "    </properties>\n"
    }

    private func counts(_ cases: [CaseRecord], extraErrors: Int) -> String {
        func count(_ status: CaseResult.Status) -> Int { cases.filter { $0.status == status }.count }
        return "tests=\"\(cases.count + extraErrors)\" failures=\"\(count(.failed) + count(.xpassed))\" errors=\"\(count(.errored) + extraErrors)\" skipped=\"\(count(.skipped) + count(.xfailed))\""
    }

    private func seconds(_ value: Double) -> String {
        PrintfFormat.string("%.6f", value)
    }
}
