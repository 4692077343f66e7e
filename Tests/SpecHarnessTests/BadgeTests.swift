import Foundation
import Testing
@testable import SpecHarness

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `regspec report --badge`: one engine's verdict as a shields.io endpoint and an SVG.
@Suite("Badge")
struct BadgeTests {
    static func document(_ statuses: [CaseResult.Status], suiteVersion: String = "2.0.0", verdict: RunVerdict? = RunVerdict(problems: [], notes: [])) -> ReportDocument {
        var suite = SuiteIdentity()
        suite.version = suiteVersion
        let cases = statuses.enumerated().map { index, status in
            CaseRecord(id: "a/\(index)", suite: "a", file: "specs/a.yaml", line: index + 1, status: status)
        }
        return ReportDocument(
            suite: suite, engine: EngineIdentity(name: "e", language: "swift", version: "1", capabilities: []),
            startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1, hostname: "host", cases: cases, verdict: verdict)
    }

    @Test("the endpoint JSON is shields.io's schema: label by the suite's major version, passed/cases, the verdict's colour")
    func endpoint() {
        let green = Badge(Self.document(Array(repeating: .passed, count: 156)), engine: "reference")
        #expect(green.endpointJSON == "{\"schemaVersion\":1,\"label\":\"regspec 2.x\",\"message\":\"156/156\",\"color\":\"brightgreen\"}\n")
        let skipped = Badge(Self.document([.passed, .skipped]), engine: "partial")
        #expect((skipped.message, skipped.color) == ("1/2", "yellow"), "a pass with a case not passed is not green")
        let failing = Badge(Self.document([.passed, .failed]), engine: "broken")
        #expect((failing.message, failing.color) == ("1/2", "red"))
        let unjudged = Badge(Self.document([.passed], verdict: RunVerdict(problems: [.engineNotConforming(engine: "x", lacking: ["future"])], notes: [])), engine: "x")
        #expect(unjudged.color == "red", "a verdict problem fails the badge though every case passed")
        #expect(Badge(Self.document([.passed], suiteVersion: "x\"}"), engine: "x").endpointJSON.contains("\"label\":\"regspec x\\\"}\","))
    }

    @Test("the SVG is well-formed XML with the text escaped, the engine named in its title, and nothing fetched")
    func svg() throws {
        let hostile = "<script>alert(1)</script> & \"q\" \u{1}"
        let badge = Badge(Self.document([.passed], suiteVersion: hostile), engine: hostile)
        let svg = badge.svg
        #expect(!svg.contains("<script>"))
        #expect(!svg.contains("href") && !svg.contains("@import"), "self-contained")
        let parsed = try XMLDocument(data: Data(svg.utf8))
        let title = try #require(try parsed.nodes(forXPath: "//*[local-name()='title']").first?.stringValue)
        #expect(title.hasPrefix("<script>alert(1)</script> & \"q\" "), "\(title)")
        let texts = try parsed.nodes(forXPath: "//*[local-name()='text']").map { $0.stringValue ?? "" }
        #expect(texts == ["regspec \(hostile.replacingOccurrences(of: "\u{1}", with: "\\u{1}"))", "1/1"], "\(texts)")
        let green = Badge(Self.document([.passed]), engine: "e").svg
        #expect(green.contains("fill=\"#4c1\"") && !green.contains("#e05d44"))
        #expect(Badge(Self.document([.failed]), engine: "e").svg.contains("fill=\"#e05d44\""))
    }

    @Test("file names: ASCII letters, digits, . _ - only; no hidden or option-like name; no two engines share one")
    func fileNames() {
        let names = Badge.fileNames(for: ["python 3.12 (tinker 0.38)", "../etc/passwd", "-rf", "", "日本", "Reference", "reference", "a/b", "a:b"])
        #expect(names == ["python-3.12--tinker-0.38-", "etc-passwd", "rf", "engine", "engine-2", "Reference", "reference-2", "a-b", "a-b-2"])
    }
}
