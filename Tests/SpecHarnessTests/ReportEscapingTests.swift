import Foundation
import Testing
@testable import SpecHarness

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Engine text is hostile: no character it sends may break a report's format.
@Suite("Report escaping")
struct ReportEscapingTests {
    /// Every C0 and C1 control, DEL, and non-characters from several planes.
    static let hostile: [Unicode.Scalar] =
        (0x00...0x1F).compactMap(Unicode.Scalar.init) + (0x7F...0x9F).compactMap(Unicode.Scalar.init)
        + [0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x1FFFF, 0x10FFFF].compactMap(Unicode.Scalar.init)

    /// A report whose engine-controlled text (id, messages, reasons, stderr) carries `scalar`.
    func report(with scalar: Unicode.Scalar) -> ReportDocument {
        let text = "before\(Character(scalar))after"
        let cases = [
            CaseRecord(
                id: "a/\(text)", suite: "a", summary: text, file: "specs/a.yaml", line: 3, status: .failed,
                mismatches: [Mismatch("metrics.\(text)", "expected 1, actual \(text)\nok 99 - injected")]),
            CaseRecord(id: "a/errors", suite: "a", file: "specs/a.yaml", line: 9, status: .errored, message: "crashed: \(text)\r\nok 98 - injected", stderrTail: text),
            CaseRecord(id: "a/skips", suite: "a", file: "specs/a.yaml", line: 12, status: .skipped, reason: "lacks \(text)"),
            CaseRecord(id: "a/passes", suite: "a", file: "specs/a.yaml", line: 15, status: .passed),
        ]
        return ReportDocument(
            suite: SuiteIdentity(), engine: EngineIdentity(name: "engine \(text)", language: "x", version: text, capabilities: [text]),
            startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1, hostname: "host", cases: cases)
    }

    @Test("JUnit stays well-formed XML with only characters XML allows, for every control and non-character")
    func junit() throws {
        for scalar in Self.hostile {
            let xml = JUnitReporter().render(report(with: scalar))
            let forbidden = xml.unicodeScalars.filter { !TextEscaping.isXMLCharacter($0) }
            #expect(forbidden.isEmpty, "U+\(String(scalar.value, radix: 16)) reaches the XML raw")
            let parser = XMLParser(data: Data(xml.utf8))
            let collector = ElementCollector()
            parser.delegate = collector
            #expect(parser.parse(), "U+\(String(scalar.value, radix: 16)): \(parser.parserError.map { "\($0)" } ?? "")")
            #expect(collector.names.filter { $0 == "testcase" }.count == 4)
        }
    }

    @Test("TAP keeps exactly one test point per case: CR and LF in engine text cannot inject lines")
    func tap() {
        for scalar in Self.hostile {
            let lines = TAPReporter().render(report(with: scalar)).split(separator: "\n", omittingEmptySubsequences: false)
            let points = lines.filter { $0.hasPrefix("ok ") || $0.hasPrefix("not ok ") }
            #expect(points.count == 4, "U+\(String(scalar.value, radix: 16)): \(points)")
            for line in lines where !line.isEmpty {
                let allowed = line.hasPrefix("ok ") || line.hasPrefix("not ok ") || line.hasPrefix("  ") || line.hasPrefix("# ")
                    || line.hasPrefix("TAP version") || line.hasPrefix("1..")
                #expect(allowed, "U+\(String(scalar.value, radix: 16)): stray line \(line.debugDescription)")
                #expect(!line.unicodeScalars.contains { isRawControl($0) }, "raw control in \(line.debugDescription)")
            }
        }
    }

    @Test("console, GitHub, Markdown and HTML carry no raw control character and keep their line structure")
    func otherFormats() {
        for scalar in Self.hostile {
            let document = report(with: scalar)
            let console = ConsoleReporter(useColor: false).render(document)
            #expect(!console.unicodeScalars.contains { isRawControl($0) && $0 != "\n" && $0 != "\t" })
            let github = GitHubReporter().render(document).split(separator: "\n")
            #expect(github.count == 3, "two annotations and the summary, one line each")
            #expect(github.allSatisfy { $0.hasPrefix("::") })
            let markdown = MarkdownReporter().render(document)
            #expect(!markdown.unicodeScalars.contains { isRawControl($0) && $0 != "\n" })
            let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| a/") }
            #expect(rows.count == 4, "one table row per case")
            let html = HTMLReporter().render(document)
            #expect(!html.unicodeScalars.contains { (isRawControl($0) && $0 != "\n" && $0 != "\t") || TextEscaping.isNoncharacter($0) })
        }
    }

    /// Live Markdown an engine or a spec file could slip into a report: links, tracking images,
    /// emphasis, code, HTML, entities, autolinks, math, strikethrough, a nested list.
    static let markdownInjections = [
        "[x](https://evil.example/a)", "![](https://track.example/p.png)", "*em*", "_em_", "`code`", "<img src=x>",
        "&amp;", "https://bare.example", "www.bare.example", "user@example.com", "$x^2$", "~~struck~~", "<https://auto.example>",
    ]

    /// Regression: engine text put live links, images and emphasis in the Markdown report and step summary.
    @Test("Markdown: engine and spec text is inert in every place it appears, the step summary included")
    func markdownInjection() {
        let text = Self.markdownInjections.joined(separator: " ")
        let cases = [
            CaseRecord(
                id: "a/\(text)", suite: "suite \(text)", summary: text, file: "specs/\(text).yaml", line: 3, checklist: [text], rules: [text],
                status: .failed, mismatches: [Mismatch("metrics.\(text)", "expected 1, actual \(text)")]),
            CaseRecord(id: "a/errors", suite: "a", file: "specs/a.yaml", line: 9, status: .errored, message: text, stderrTail: text),
        ]
        var suite = SuiteIdentity()
        suite.version = text
        suite.contentHash = text
        let document = ReportDocument(
            suite: suite, engine: EngineIdentity(name: "engine \(text)", language: text, version: text, capabilities: [text]),
            startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1, hostname: "host", cases: cases,
            verdict: RunVerdict(problems: ["- \(text)"], notes: ["# \(text)"]))
        let broken = ReportDocument(
            problems: [SpecDiagnostic(SourceLocation(file: "specs/\(text).yaml", line: 1, column: 1), text)],
            suite: LoadedSuite(), context: ReportContext(), engine: EngineIdentity(name: text, language: "", version: "", capabilities: []))
        let renderings = [
            MarkdownReporter().render(document), MarkdownReporter(onlyProblems: true).render(document),
            MarkdownReporter().render(ConformanceTable([document, document])), MarkdownReporter().render(broken),
        ]
        for markdown in renderings {
            for injection in Self.markdownInjections {
                #expect(!markdown.contains(injection), "\(injection) is live in:\n\(markdown)")
            }
            #expect(!markdown.contains("\n- - "), "a nested list")
            #expect(!markdown.contains("\n- # "), "a heading in a list item")
            #expect(markdown.contains("\\[x\\]\\(https\\://evil\\.example/a\\)"), "the text is still there, escaped")
        }
    }

    @Test("negative control: the Markdown checks above see live text, and the escape is undone by a reader")
    func markdownNegativeControl() {
        let raw = "| \(Self.markdownInjections.joined(separator: " ")) |"
        #expect(Self.markdownInjections.allSatisfy { raw.contains($0) })
        // CommonMark drops the backslash before any ASCII punctuation: undoing it gives the text back.
        let escaped = TextEscaping.markdown(Self.markdownInjections.joined(separator: " "))
        var unescaped = ""
        var pendingBackslash = false
        for character in escaped {
            if pendingBackslash || character != "\\" {
                unescaped.append(character)
                pendingBackslash = false
            } else {
                pendingBackslash = true
            }
        }
        #expect(unescaped == Self.markdownInjections.joined(separator: " "))
    }

    @Test("negative control: without escaping, a newline would inject a TAP test point and a NUL break XML")
    func negativeControl() {
        let raw = "crashed\nok 98 - injected"
        #expect(raw.split(separator: "\n").contains { $0.hasPrefix("ok ") })
        #expect(!TextEscaping.oneLine(raw).contains("\n"))
        let parser = XMLParser(data: Data("<a>\u{0}</a>".utf8))
        #expect(!parser.parse())
        #expect(XMLParser(data: Data("<a>\(TextEscaping.xml("\u{0}"))</a>".utf8)).parse())
    }

    @Test("markup characters are escaped in XML, HTML and Markdown")
    func markup() {
        #expect(TextEscaping.xml("<a & \"b\">") == "&lt;a &amp; &quot;b&quot;&gt;")
        #expect(TextEscaping.html("<script>") == "&lt;script&gt;")
        #expect(TextEscaping.markdown("a|b\nc") == "a\\|b\\\\nc")
        #expect(TextEscaping.githubProperty("a:b,c%") == "a%3Ab%2Cc%25")
    }
}

/// C0 and C1 controls and DEL, told apart here independently of the code under test.
func isRawControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
}
