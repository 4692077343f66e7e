import Foundation
import Testing
@testable import SpecHarness

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Reports")
struct ReporterTests {
    /// One case of each outcome, with characters XML and TAP must escape.
    let report = RunReport(
        engine: EngineDescription(name: "stub", language: "swift", version: "1", capabilities: [Capability.structured]),
        results: [
            CaseResult(caseID: "a/passes", summary: "passes", suite: "a", location: .start(of: "specs/a.yaml"), outcome: .passed, duration: .milliseconds(2)),
            CaseResult(
                caseID: "a/fails", summary: "fails", suite: "a", location: SourceLocation(file: "specs/a.yaml", line: 9, column: 5),
                outcome: .failed([Mismatch("metrics.loss_total", "expected <1> & \"2\"")]), duration: .milliseconds(1)),
            CaseResult(caseID: "b/errors", summary: "errors", suite: "b", location: .start(of: "specs/b.yaml"), outcome: .errored(EngineFailure(.crashed, "crashed\nstderr tail")), duration: .zero),
            CaseResult(caseID: "b/skips", summary: "skips", suite: "b", location: .start(of: "specs/b.yaml"), outcome: .skipped(reason: "the engine lacks async"), duration: .zero),
        ],
        duration: .milliseconds(5))

    @Test("the console report closes with the counts line alone on a line")
    func console() {
        let text = ConsoleReporter(useColor: false).render(report)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.last == "1 passed, 1 failed, 1 errored, 1 skipped")
        #expect(lines.contains("FAIL a/fails (specs/a.yaml:9:5)"))
        #expect(lines.contains("     metrics.loss_total: expected <1> & \"2\""))
        #expect(lines.contains("SKIP 1 case: the engine lacks async"))
        #expect(!text.contains("a/passes"))
        #expect(!text.contains("\u{1B}["))
        #expect(ConsoleReporter(useColor: true).render(report).contains("\u{1B}[31m"))
    }

    @Test("the JSON report parses and carries every case with its outcome")
    func json() throws {
        let text = JSONReporter().render(report)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let totals = try #require(document["totals"] as? [String: Int])
        #expect(totals == ["passed": 1, "failed": 1, "errored": 1, "skipped": 1, "xfailed": 0, "xpassed": 0])
        let cases = try #require(document["cases"] as? [[String: Any]])
        #expect(cases.map { $0["status"] as? String } == ["passed", "failed", "errored", "skipped"])
        let mismatches = try #require(cases[1]["mismatches"] as? [[String: String]])
        #expect(mismatches.first?["path"] == "metrics.loss_total")
    }

    @Test("the JUnit report is well-formed XML with one testcase per case")
    func junit() throws {
        let text = JUnitReporter().render(report)
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "JUnit XML must parse: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.names.filter { $0 == "testcase" }.count == 4)
        #expect(collector.names.filter { $0 == "testsuite" }.count == 2)
        #expect(collector.names.contains("failure") && collector.names.contains("error") && collector.names.contains("skipped"))
        #expect(collector.attributes["testsuites"]?["failures"] == "1")
        #expect(collector.attributes["testsuites"]?["errors"] == "1")
    }

    @Test("the TAP report has a plan, test points and skip directives")
    func tap() {
        let lines = TAPReporter().render(report).split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["TAP version 13", "1..4"])
        #expect(lines.contains("ok 1 - a/passes"))
        #expect(lines.contains("not ok 2 - a/fails"))
        #expect(lines.contains("not ok 3 - b/errors"))
        #expect(lines.contains("ok 4 - b/skips # SKIP the engine lacks async"))
        #expect(lines.contains("  severity: errored"))
    }
}

/// Records element names and the last attributes seen per element name.
final class ElementCollector: NSObject, XMLParserDelegate {
    var names: [String] = []
    var attributes: [String: [String: String]] = [:]

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        names.append(elementName)
        attributes[elementName] = attributeDict
    }
}
