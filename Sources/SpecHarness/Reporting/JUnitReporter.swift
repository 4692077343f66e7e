import Foundation

/// JUnit XML as GitHub, GitLab and Jenkins read it: one testsuite per spec suite, one testcase per case.
public struct JUnitReporter: Reporter {
    public init() {}

    public func render(_ report: RunReport) -> String {
        var suites: [(name: String, results: [CaseResult])] = []
        for result in report.results {
            if let index = suites.firstIndex(where: { $0.name == result.suite }) {
                suites[index].results.append(result)
            } else {
                suites.append((result.suite, [result]))
            }
        }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += "<testsuites name=\"regspec\" \(counts(report.results)) time=\"\(seconds(report.duration))\">\n"
        for suite in suites {
            let time = suite.results.reduce(Duration.zero) { $0 + $1.duration }
            xml += "  <testsuite name=\"\(escape(suite.name))\" \(counts(suite.results)) time=\"\(seconds(time))\">\n"
            for result in suite.results {
                xml += "    <testcase classname=\"\(escape(result.suite))\" name=\"\(escape(result.caseID))\""
                xml += " file=\"\(escape(result.location.file))\" line=\"\(result.location.line)\" time=\"\(seconds(result.duration))\""
                let details = escape(result.detailLines.joined(separator: "\n"))
                let first = escape(result.detailLines.first ?? "")
                switch result.status {
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
                    xml += ">\n      <skipped message=\"expected failure: \(escape(result.expectedFailure ?? ""))\">\(details)</skipped>\n"
                case .xpassed:
                    xml += ">\n      <failure message=\"listed as an expected failure but passed\" type=\"xpass\">\(escape(result.expectedFailure ?? ""))</failure>\n"
                }
                xml += "    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    private func counts(_ results: [CaseResult]) -> String {
        func count(_ status: CaseResult.Status) -> Int { results.filter { $0.status == status }.count }
        return "tests=\"\(results.count)\" failures=\"\(count(.failed) + count(.xpassed))\" errors=\"\(count(.errored))\" skipped=\"\(count(.skipped) + count(.xfailed))\""
    }

    private func seconds(_ duration: Duration) -> String {
        String(format: "%.6f", duration.seconds)
    }

    func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\n", "\t", "\r": escaped.unicodeScalars.append(scalar)
            // XML 1.0 forbids other control characters even when escaped.
            case _ where scalar.value < 0x20: escaped += "?"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
