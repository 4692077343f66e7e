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
        "x&amp;", "https://bare.example", "www.bare.example", "user@example.com", "$x^2$", "~~struck~~", "<https://auto.example>",
    ]

    /// Regression: engine text put live links, images and emphasis in the Markdown report and step summary.
    @Test("markdown: engine and spec text is inert in every place it appears, the step summary included")
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
            verdict: RunVerdict(statedProblems: ["- \(text)"], notes: ["# \(text)"]))
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

    /// Regression: `FAIL id (FILE:LINE:COL)` printed the file raw, from a spec file's name or a
    /// JSON report's `file` field, and a 30,000-character engine message was echoed whole.
    @Test("console: file paths are escaped and engine text is cut at a screenful, in every line it shows")
    func consoleFileAndLength() {
        let file = "specs/\u{1B}[2J\u{1B}]0;owned\u{7}\nFAIL forged.yaml"
        let long = String(repeating: "m", count: 30_000)
        let document = ReportDocument(
            suite: SuiteIdentity(), engine: EngineIdentity(name: "e", language: "x", version: "1", capabilities: []),
            startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1, hostname: "host",
            cases: [
                CaseRecord(id: "a/fails", suite: "a", summary: long, file: file, line: 3, status: .failed, mismatches: [Mismatch("metrics.x", long)]),
                CaseRecord(id: "a/errors", suite: "a", file: file, line: 9, status: .errored, message: long, stderrTail: "tail\n" + long),
                CaseRecord(id: "a/xpasses", suite: "a", file: file, line: 12, status: .xpassed, expectedFailure: long),
            ],
            verdict: RunVerdict(statedProblems: [long], notes: [long]))
        let broken = ReportDocument(
            problems: [SpecDiagnostic(SourceLocation(file: file, line: 1, column: 1), long)],
            suite: LoadedSuite(), context: ReportContext(), engine: EngineIdentity(name: "e", language: "", version: "", capabilities: []))
        for console in [ConsoleReporter(useColor: false).render(document), ConsoleReporter(useColor: false).render(broken)] {
            #expect(!console.unicodeScalars.contains { isRawControl($0) && $0 != "\n" }, "a raw control reaches the terminal")
            #expect(!console.contains("\nFAIL forged"), "a newline in the file name forged a line")
            let lines = console.split(separator: "\n")
            #expect(lines.allSatisfy { $0.count < 4200 }, "a line longer than a screenful: \(lines.map(\.count).max() ?? 0)")
            #expect(console.count < 40_000, "\(console.count) characters")
        }
        let text = ConsoleReporter(useColor: false).render(document)
        #expect(text.contains("FAIL a/fails (specs/\\u{1B}[2J\\u{1B}]0;owned\\u{7}\\nFAIL forged.yaml:3:1)"))
        #expect(text.contains("more characters; a report file keeps them]"))
        #expect(text.contains("tail"), "the stderr tail is cut on its own, not lost behind the message")
    }

    /// Regression: a merge error quoted ids, engine labels and hashes from the reports raw.
    @Test("a merge error escapes what the reports said")
    func mergeError() throws {
        func document(_ status: CaseResult.Status, hash: String) -> ReportDocument {
            ReportDocument(
                suite: SuiteIdentity(contentHash: hash), engine: EngineIdentity(name: "e\u{1B}[2J", language: "x", version: "1", capabilities: []),
                startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1, hostname: "host",
                cases: [CaseRecord(id: "a/\u{1B}]0;owned\u{7}", suite: "a", file: "a.yaml", line: 1, status: status)])
        }
        for pair in [[document(.passed, hash: "h"), document(.failed, hash: "h")], [document(.passed, hash: "h\u{1B}[2J"), document(.passed, hash: "g")]] {
            let error = #expect(throws: ReportMergeError.self) { try ReportMerge.byEngine(pair) }
            let text = try #require(error).description
            #expect(!text.unicodeScalars.contains { isRawControl($0) }, "\(text.debugDescription)")
            #expect(text.contains("\\u{1B}"))
        }
    }

    @Test("negative control: a console cut only where the text is longer than a screenful")
    func consoleNegativeControl() {
        let fits = String(repeating: "m", count: TextEscaping.maximumConsoleCharacters)
        #expect(TextEscaping.console(fits) == fits)
        #expect(TextEscaping.console(fits + "m").hasPrefix(fits + " [... cut on the console: 1 more characters"))
        #expect(TextEscaping.oneLine("a\u{1B}b") != "a\u{1B}b")
    }

    /// Regression: the broken-spec annotation's title was `regspec: broken spec file`, a raw `:` in a property.
    @Test("GitHub: no annotation property holds a raw ':' or ','")
    func githubProperties() {
        let file = "specs/a:b,c.yaml"
        let broken = ReportDocument(
            problems: [SpecDiagnostic(SourceLocation(file: file, line: 1, column: 1), "bad: x, y")],
            suite: LoadedSuite(), context: ReportContext(), engine: EngineIdentity(name: "e:1,2", language: "", version: "", capabilities: []))
        let ran = ReportDocument(
            suite: SuiteIdentity(), engine: EngineIdentity(name: "e:1,2", language: "x", version: "1", capabilities: []),
            startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1, hostname: "host",
            cases: [CaseRecord(id: "a/x:y,z", suite: "a", file: file, line: 3, status: .failed, mismatches: [Mismatch("m", "n")])],
            verdict: RunVerdict(statedProblems: ["p: q"], notes: ["n: o"]))
        var checked = 0
        for document in [broken, ran] {
            for line in GitHubReporter().render(document).split(separator: "\n") {
                let afterCommand = line.drop { $0 != " " }.dropFirst()
                guard let end = afterCommand.range(of: "::") else { continue }
                for property in afterCommand[..<end.lowerBound].split(separator: ",") {
                    let parts = property.split(separator: "=", maxSplits: 1)
                    #expect(parts.count == 2 && !parts[1].contains(":") && !parts[1].contains(","), "\(property) in \(line)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 8)
        #expect(GitHubReporter().render(broken).contains("title=regspec%3A broken spec file::"))
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

    /// Regression guard for the encoder written to replace Foundation's `addingPercentEncoding`.
    @Test("HTML filter links percent-encode a group name's UTF-8 bytes, unreserved characters kept")
    func filterLinkQueryValues() {
        let name = "a b&é/c~d.e_f-g"
        let document = ReportDocument(
            suite: SuiteIdentity(), engine: EngineIdentity(name: "e", language: "x", version: "1", capabilities: []),
            startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1, hostname: "host",
            cases: [CaseRecord(id: "\(name)/one", suite: name, file: "specs/a.yaml", line: 1, status: .passed)])
        let html = HTMLReporter().render(document)
        #expect(html.contains("=a%20b%26%C3%A9%2Fc~d.e_f-g#filters\""), "\(html.prefix(4000))")
        #expect(!html.contains("href=\"?suite=a b"), "a raw space in a link")
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
