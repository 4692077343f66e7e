import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A run RegSpec fails beyond its cases (nothing ran, a non-conforming engine) is red in every
/// report format, not only on the console; its notes are shown without failing anything.
@Suite("Report verdict")
struct ReportVerdictTests {
    /// Two cases that both skipped, against an engine whose name carries markup.
    static let cases = [
        CaseRecord(id: "a/one", suite: "a", file: "specs/a.yaml", line: 3, status: .skipped, reason: "the engine lacks async"),
        CaseRecord(id: "a/two", suite: "a", file: "specs/a.yaml", line: 9, status: .skipped, reason: "the engine lacks async"),
    ]
    static let engine = EngineDescription(name: "stub<&>#", language: "swift", version: "1", capabilities: [Capability.structured])

    /// What the run's judge says about those cases and that engine: two problems, or with
    /// `--allow-partial-engine` one problem (nothing ran) and one note (the partial engine).
    static func verdict(_ policy: RunVerdict.Policy) -> RunVerdict {
        let results = cases.map {
            CaseResult(caseID: $0.id, summary: "", suite: $0.suite, location: .start(of: $0.file), outcome: .skipped(reason: $0.reason ?? ""), duration: .zero)
        }
        return RunVerdict.judge(results, engine: engine, policy: policy)
    }

    static func document(_ verdict: RunVerdict?, label: String? = nil, cases: [CaseRecord] = cases) -> ReportDocument {
        ReportDocument(
            suite: SuiteIdentity(), engine: EngineIdentity(engine, label: label), startedAt: "2026-01-01T00:00:00Z",
            durationSeconds: 1, hostname: "host", cases: cases, verdict: verdict)
    }

    /// The non-conforming engine's run: two problems, no note.
    static let failing = document(verdict(.conformance))
    /// A partial engine allowed, so only "nothing ran" is a problem, and the partial engine a note.
    static let partial = document(verdict(RunVerdict.Policy(allowsPartialEngine: true)))
    /// A partial engine allowed whose cases passed: a note and nothing that fails.
    static let noteOnly = document(
        verdict(RunVerdict.Policy(allowsPartialEngine: true)).notesOnly,
        cases: cases.map { var record = $0; record.status = .passed; record.reason = nil; return record })

    @Test("the fixture's verdict is what the judge says: problems for the non-conforming engine, a note when allowed")
    func fixture() {
        #expect(Self.failing.verdictProblems.count == 2)
        #expect(Self.failing.verdictProblems.contains("no case ran: all 2 selected cases were skipped"))
        #expect(Self.failing.verdictProblems.contains { $0.hasPrefix("engine stub<&># lacks the core capabilities") })
        #expect(Self.partial.verdictProblems == ["no case ran: all 2 selected cases were skipped"])
        #expect(Self.partial.verdictNotes.count == 1)
        #expect(Self.noteOnly.verdictProblems.isEmpty && Self.noteOnly.verdictNotes.count == 1 && Self.noteOnly.succeeded)
        #expect(!Self.failing.succeeded)
    }

    @Test("JUnit: one testcase with an error per verdict problem, counted in errors; notes are properties")
    func junit() throws {
        let collector = try parse(JUnitReporter().render(Self.failing))
        #expect(collector.attributes["testsuites"]?["errors"] == "2", "the verdict problems go red on a dashboard")
        #expect(collector.attributes["testsuites"]?["tests"] == "4")
        let verdictCases = collector.testcases.filter { $0["classname"] == "verdict" }
        #expect(verdictCases.compactMap { $0["name"] } == Self.failing.verdictProblems, "the name is the problem, unescaped by the parser")
        #expect(collector.names.filter { $0 == "error" }.count == 2)
        #expect(collector.errorMessages == Self.failing.verdictProblems)
        #expect(collector.suiteNames == ["a", "verdict"])
        #expect(collector.properties.filter { $0.name == "verdict.note" }.isEmpty)

        let partial = try parse(JUnitReporter().render(Self.partial))
        #expect(partial.attributes["testsuites"]?["errors"] == "1")
        #expect(partial.properties.filter { $0.name == "verdict.note" }.map(\.value).first == Self.partial.verdictNotes.first)

        let noteOnly = try parse(JUnitReporter().render(Self.noteOnly))
        #expect(noteOnly.attributes["testsuites"]?["errors"] == "0", "a note fails nothing")
        #expect(!noteOnly.testcases.contains { $0["classname"] == "verdict" })
        #expect(noteOnly.properties.contains { $0.name == "verdict.note" })
    }

    @Test("TAP: a failing test point per verdict problem with the plan counting it; notes are comments")
    func tap() {
        let lines = TAPReporter().render(Self.failing).split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["TAP version 13", "1..4"])
        #expect(lines.contains("ok 1 - a/one # SKIP the engine lacks async"))
        let verdictPoints = lines.filter { $0.hasPrefix("not ok ") }
        #expect(verdictPoints.count == 2)
        #expect(verdictPoints.first == "not ok 3 - verdict: \(Self.failing.verdictProblems[0].replacingOccurrences(of: "#", with: "\\#"))")
        #expect(verdictPoints.last == "not ok 4 - verdict: \(Self.failing.verdictProblems[1])")
        #expect(verdictPoints.allSatisfy { !$0.dropFirst(2).contains(" # ") }, "a # in the problem cannot become a SKIP or TODO directive")

        let partial = TAPReporter().render(Self.partial).split(separator: "\n").map(String.init)
        #expect(partial[1] == "1..3")
        #expect(partial.contains("# note: \(Self.partial.verdictNotes[0])"))
        let noteOnly = TAPReporter().render(Self.noteOnly).split(separator: "\n").map(String.init)
        #expect(noteOnly[1] == "1..2")
        #expect(!noteOnly.contains { $0.hasPrefix("not ok") })
        #expect(noteOnly.contains { $0.hasPrefix("# note: engine stub") })
    }

    @Test("prove (TAP::Harness) fails a run with a verdict problem and passes one with only a note")
    func prove() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prove") else {
            print("SKIPPED: prove is not installed (Debian package perl)")
            return
        }
        let workspace = try SpecWorkspace()
        let failing = try workspace.write("failing.tap", TAPReporter().render(Self.failing))
        let noteOnly = try workspace.write("note.tap", TAPReporter().render(Self.noteOnly))
        let fail = try runProve(failing)
        #expect(fail.status != 0, "\(fail.output)")
        #expect(fail.output.contains("Failed tests:  3-4"), "\(fail.output)")
        #expect(!fail.output.contains("Parse errors"), "\(fail.output)")
        let pass = try runProve(noteOnly)
        #expect(pass.status == 0, "\(pass.output)")
        #expect(pass.output.contains("Result: PASS"), "\(pass.output)")
    }

    @Test("GitHub: the counts first, then an ::error per verdict problem, a ::notice per note")
    func github() {
        let lines = GitHubReporter().render(Self.failing).split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.hasPrefix("::error title=regspec verdict::") }
        #expect(errors == Self.failing.verdictProblems.map { "::error title=regspec verdict::\($0)" })
        #expect(lines.first?.hasPrefix("::error title=regspec stub<&>#::") == true)

        let noteOnly = GitHubReporter().render(Self.noteOnly).split(separator: "\n").map(String.init)
        #expect(noteOnly.filter { $0.hasPrefix("::notice title=regspec verdict::") }.count == 1)
        #expect(!noteOnly.contains { $0.hasPrefix("::error") }, "a note fails nothing")
    }

    @Test("GitHub: at most the 10 error annotations GitHub shows; the rest grouped per file and counted in a closing notice")
    func githubAnnotationCap() {
        // 69 failing cases over two files, as a broken engine gives.
        let failures = (0..<69).map { index in
            CaseRecord(id: "c/\(index)", suite: "c", file: index < 40 ? "specs/a.yaml" : "specs/b.yaml", line: index + 1, status: .failed)
        }
        let lines = GitHubReporter().render(Self.document(RunVerdict(), cases: failures)).split(separator: "\n").map(String.init)
        let errors = lines.filter { $0.hasPrefix("::error") }
        #expect(errors.count == 10)
        #expect(lines.first?.contains("0 passed, 69 failed") == true, "the verdict comes first: \(lines.first ?? "")")
        #expect(errors.filter { $0.hasPrefix("::error file=") }.count == 8)
        let grouped = errors.last ?? ""
        #expect(grouped.hasPrefix("::error title=regspec%3A 61 more not annotated::"), "\(grouped)")
        #expect(grouped.contains("specs/a.yaml: 32%0Aspecs/b.yaml: 29"), "\(grouped)")
        #expect(lines.last?.hasPrefix("::notice title=regspec::61 more failing case(s)") == true, "\(lines.last ?? "")")
        // Negative control: as many failures as fit are each annotated, with no closing notice.
        let few = GitHubReporter().render(Self.document(RunVerdict(), cases: Array(failures.prefix(9)))).split(separator: "\n")
        #expect(few.filter { $0.hasPrefix("::error file=") }.count == 9)
        #expect(!few.contains { $0.contains("more not annotated") || $0.hasPrefix("::notice") })
    }

    @Test("markdown: the failing engine's verdict problems and notes under the counts, the result cell saying so")
    func markdown() {
        let text = MarkdownReporter().render(Self.failing)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("**❌ stub\\<\\&\\>\\#: the run fails:**"))
        #expect(lines.contains("- no case ran\\: all 2 selected cases were skipped"))
        #expect(lines.contains { $0.hasPrefix("- engine stub\\<\\&\\>\\# lacks the core capabilities") })
        let row = lines.first { $0.hasPrefix("| stub") }
        #expect(row?.hasSuffix("| ❌ 0 passed, 0 failed, 0 errored, 2 skipped; the run fails (below) |") == true)
        #expect(MarkdownReporter(onlyProblems: true).render(Self.failing).contains("- no case ran\\: all 2 selected cases were skipped"), "the step summary says it too")

        let noteOnly = MarkdownReporter().render(Self.noteOnly)
        #expect(noteOnly.contains("stub\\<\\&\\>\\#, notes:\n- engine stub"))
        #expect(!noteOnly.contains("the run fails"))
    }

    @Test("HTML: the failing engine's verdict problems and notes under the engines table")
    func html() {
        let text = HTMLReporter().render(Self.failing)
        #expect(text.contains("<div class=\"failed verdict\"><p><b>stub&lt;&amp;&gt;#: the run fails:</b></p><ul><li>"))
        #expect(text.contains("<li>no case ran: all 2 selected cases were skipped</li>"))
        #expect(text.contains("0 passed, 0 failed, 0 errored, 2 skipped; the run fails (below)</td>"))
        #expect(!text.contains("stub<&>"), "the engine name is escaped")
        let noteOnly = HTMLReporter().render(Self.noteOnly)
        #expect(noteOnly.contains("<div class=\"meta verdict-notes\"><p>stub&lt;&amp;&gt;#, notes:</p><ul><li>engine stub"))
        #expect(!noteOnly.contains("class=\"failed verdict\""))
    }

    @Test("comparing engines: only the failing engine's verdict is shown, in Markdown, HTML and the console table")
    func comparison() {
        let conforming = Self.document(RunVerdict(), label: "good", cases: Self.noteOnly.cases)
        let table = ConformanceTable([conforming, Self.document(Self.verdict(.conformance), label: "bad")])
        let markdown = MarkdownReporter().render(table)
        #expect(markdown.contains("**❌ bad: the run fails:**"))
        #expect(!markdown.contains("good: the run fails"))
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| good ") || $0.hasPrefix("| bad ") }
        #expect(rows.count == 2)
        #expect(rows.first?.hasSuffix("| ✅ |") == true)
        #expect(rows.last?.hasSuffix("; the run fails (below) |") == true)
        let html = HTMLReporter().render(table)
        #expect(html.contains("<b>bad: the run fails:</b>"))
        #expect(!html.contains("<b>good: the run fails:</b>"))
        let text = table.renderText().split(separator: "\n").map(String.init)
        let bad = text.firstIndex { $0.hasPrefix("bad (swift 1): ") }
        #expect(bad.map { text[$0 + 1].hasPrefix("  FAILED: ") } == true, "\(text)")
        #expect(text.filter { $0.hasPrefix("  FAILED: ") }.count == 2)
        #expect(text.last?.hasSuffix("; 1 engine(s) fail their run (FAILED above)") == true, "\(text)")
    }

    @Test("no verdict and an empty verdict render exactly alike, with nothing about a verdict")
    func noVerdict() throws {
        let none = Self.document(nil, cases: Self.noteOnly.cases)
        let empty = Self.document(RunVerdict(), cases: Self.noteOnly.cases)
        let reporters: [any Reporter] = [JUnitReporter(), TAPReporter(), GitHubReporter(), MarkdownReporter(), HTMLReporter(), JSONReporter(), ConsoleReporter(useColor: false)]
        for reporter in reporters {
            let text = reporter.render(none)
            #expect(text == reporter.render(empty) || reporter is JSONReporter, "\(type(of: reporter))")
            #expect(!text.lowercased().contains("verdict"), "\(type(of: reporter)): \(text)")
            #expect(!text.contains("the run fails"))
        }
        let junit = try parse(JUnitReporter().render(empty))
        #expect(junit.attributes["testsuites"]?["errors"] == "0" && junit.attributes["testsuites"]?["tests"] == "2")
        #expect(junit.suiteNames == ["a"])
        #expect(TAPReporter().render(empty).split(separator: "\n")[1] == "1..2")
        #expect(GitHubReporter().render(empty) == "::notice title=regspec stub<&>#::2 passed, 0 failed, 0 errored, 0 skipped\n")
        let table = ConformanceTable([empty, none]).renderText()
        #expect(!table.contains("FAILED") && !table.contains("fail their run"))
    }

    @Test("hostile text in a verdict problem cannot break JUnit, inject a TAP point or a workflow command")
    func escaping() throws {
        for scalar in ReportEscapingTests.hostile {
            let problem = "no case ran: before\(Character(scalar))after\nok 99 - injected\n::notice::injected"
            let document = Self.document(RunVerdict(statedProblems: [problem], notes: ["note \(Character(scalar))\n# injected"]))
            let xml = JUnitReporter().render(document)
            #expect(!xml.unicodeScalars.contains { !TextEscaping.isXMLCharacter($0) }, "U+\(String(scalar.value, radix: 16)) reaches the XML raw")
            let collector = try parse(xml)
            #expect(collector.testcases.count == 3)
            let tap = TAPReporter().render(document).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(tap.filter { $0.hasPrefix("ok ") || $0.hasPrefix("not ok ") }.count == 3, "U+\(String(scalar.value, radix: 16))")
            #expect(!tap.contains { $0.unicodeScalars.contains { isRawControl($0) } })
            #expect(!tap.contains { $0.hasPrefix("# injected") })
            let github = GitHubReporter().render(document).split(separator: "\n")
            #expect(github.count == 3, "the problem, the note and the counts, one line each")
            #expect(github.allSatisfy { $0.hasPrefix("::") })
            let markdown = MarkdownReporter().render(document)
            #expect(!markdown.unicodeScalars.contains { isRawControl($0) && $0 != "\n" })
            #expect(!markdown.contains("\nok 99"))
            let html = HTMLReporter().render(document)
            #expect(!html.unicodeScalars.contains { (isRawControl($0) && $0 != "\n" && $0 != "\t") || TextEscaping.isNoncharacter($0) })
        }
    }

    // MARK: - Helpers

    func parse(_ xml: String) throws -> JUnitCollector {
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = JUnitCollector()
        parser.delegate = collector
        try #require(parser.parse(), "JUnit XML must parse: \(parser.parserError.map { "\($0)" } ?? "")")
        return collector
    }

    func runProve(_ path: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prove")
        process.arguments = ["-e", "cat", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

extension RunVerdict {
    /// The same notes, no problems: a partial engine allowed whose cases ran.
    fileprivate var notesOnly: RunVerdict { RunVerdict(problems: [], notes: notes) }
}

/// Element names, the last attributes per element name, and every testcase's attributes,
/// testsuite name, error message and property in document order.
final class JUnitCollector: NSObject, XMLParserDelegate {
    var names: [String] = []
    var attributes: [String: [String: String]] = [:]
    var testcases: [[String: String]] = []
    var suiteNames: [String] = []
    var errorMessages: [String] = []
    var properties: [(name: String, value: String)] = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        names.append(elementName)
        attributes[elementName] = attributeDict
        switch elementName {
        case "testcase": testcases.append(attributeDict)
        case "testsuite": suiteNames.append(attributeDict["name"] ?? "")
        case "error": errorMessages.append(attributeDict["message"] ?? "")
        case "property": properties.append((attributeDict["name"] ?? "", attributeDict["value"] ?? ""))
        default: break
        }
    }
}
