import Foundation
import Testing
@testable import SpecHarness

@Suite("JSON report document")
struct ReportDocumentTests {
    let document = ReportDocument(
        suite: SuiteIdentity(contentHash: "sha256:00", files: ["specs/a.yaml"]),
        engine: EngineIdentity(label: "mine", name: "impl", language: "python", version: "2", capabilities: ["structured", "async"]),
        selection: SelectionRecord(filter: "a/", shard: "1/2"), startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1.5,
        hostname: "ci-1",
        cases: [
            CaseRecord(
                id: "a/fails", suite: "a", file: "specs/a.yaml", line: 3, order: 4, status: .failed,
                mismatches: [Mismatch("metrics.loss_total", "off", expected: 1, actual: .nan, allowed: 1e-6, rule: "loss_total = base + regularizer_total")]),
            CaseRecord(id: "a/errs", suite: "a", file: "specs/a.yaml", line: 9, status: .errored, message: "crashed", stderrTail: "Traceback"),
        ])

    @Test("a saved report reads back equal, NaN included")
    func roundTrip() throws {
        let path = NSTemporaryDirectory() + "report-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ReportFile.write(JSONReporter().render(document), to: path)
        let read = try ReportDocument.read(from: path)
        #expect(read.cases[0].mismatches[0].actual?.isNaN == true)
        var comparable = read
        comparable.cases[0].mismatches[0].actual = nil
        var expected = document
        expected.cases[0].mismatches[0].actual = nil
        #expect(comparable == expected)
        #expect(read.totals["failed"] == 1 && read.totals["errored"] == 1 && read.totals["passed"] == 0)
    }

    @Test("a file that is not a report, or from a newer format, is a clear error")
    func badFiles() throws {
        let path = NSTemporaryDirectory() + "report-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ReportFile.write("{\"cases\": []}", to: path)
        #expect(throws: ReportReadError.self) { try ReportDocument.read(from: path) }
        do {
            _ = try ReportDocument.read(from: path)
        } catch {
            #expect(error.description.contains(path) && error.description.contains("missing"))
        }
        var newer = document
        newer.formatVersion = ReportDocument.currentFormatVersion + 1
        try ReportFile.write(JSONReporter().render(newer), to: path)
        do {
            _ = try ReportDocument.read(from: path)
            Issue.record("a newer format must not be read silently")
        } catch {
            #expect(error.description.contains("upgrade"))
        }
        #expect(throws: ReportReadError.self) { try ReportDocument.read(from: path + ".missing") }
    }

    @Test("an errored case's stderr tail is kept apart from its message")
    func stderrTail() {
        let result = CaseResult(
            caseID: "x", summary: "", suite: "s", location: .start(of: "f"),
            outcome: .errored(EngineFailure(.crashed, "crashed", stderrTail: "line 1\nline 2")), duration: .zero)
        let record = CaseRecord(result)
        #expect(record.message == "crashed")
        #expect(record.stderrTail == "line 1\nline 2")
    }

    @Test("an errored case's message is recorded whole, even when it holds the stderr heading")
    func messageHoldingTheHeading() {
        // The failure is data: nothing splits its text back into message and tail.
        let text = "the engine wrote\n\(CaseRecord.stderrSeparator)\nnot a tail"
        let result = CaseResult(
            caseID: "x", summary: "", suite: "s", location: .start(of: "f"),
            outcome: .errored(EngineFailure(.protocolViolation, text)), duration: .zero)
        let record = CaseRecord(result)
        #expect(record.message == text)
        #expect(record.stderrTail == nil)
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(of: Array("abd".utf8)) != SHA256.hex(of: Array("abc".utf8)))
    }

    @Test("path splitting never goes through Foundation: r, ./r, /r, d/r")
    func paths() {
        #expect(ReportPath.directory(of: "r") == ".")
        #expect(ReportPath.directory(of: "./r") == ".")
        #expect(ReportPath.directory(of: "/r") == "/")
        #expect(ReportPath.directory(of: "/tmp/r") == "/tmp")
        #expect(ReportPath.directory(of: "d/r") == "d")
        #expect(["r", "./r", "/r", "d/r"].map(ReportPath.fileName) == ["r", "r", "r", "r"])
    }

    @Test("the JUnit report carries timestamp, hostname and the engine and suite identity as properties")
    func junitIdentity() {
        let xml = JUnitReporter().render(document)
        #expect(xml.contains("timestamp=\"2026-01-01T00:00:00Z\""))
        #expect(xml.contains("hostname=\"ci-1\""))
        #expect(xml.contains("<property name=\"engine.label\" value=\"mine\"/>"))
        #expect(xml.contains("<property name=\"suite.content_hash\" value=\"sha256:00\"/>"))
        #expect(xml.contains("<property name=\"shard\" value=\"1/2\"/>"))
    }

    @Test("spec-file problems become one JUnit testcase with one error, and a failing TAP point")
    func problems() {
        let broken = ReportDocument(
            suite: SuiteIdentity(), engine: document.engine, startedAt: "2026-01-01T00:00:00Z", durationSeconds: 0,
            cases: [], problems: [ProblemRecord(file: "specs/x.yaml", line: 4, column: 5, message: "unknown key 'expct'")])
        let xml = JUnitReporter().render(broken)
        #expect(xml.components(separatedBy: "<error ").count == 2)
        #expect(xml.contains("errors=\"1\""))
        #expect(xml.contains("specs/x.yaml:4:5"))
        #expect(TAPReporter().render(broken).contains("not ok 1 - load the spec files"))
        #expect(!broken.succeeded)
    }
}

@Suite("Interrupted runs in reports")
struct IncompleteReportTests {
    @Test("an incomplete report says so in the closing line, fails CI and carries a JUnit property")
    func incomplete() {
        var document = ReportDocument(
            suite: SuiteIdentity(), engine: EngineIdentity(name: "e", language: "x", version: "1", capabilities: []),
            startedAt: "2026-01-01T00:00:00Z", durationSeconds: 1,
            cases: [CaseRecord(id: "a/one", suite: "a", file: "specs/a.yaml", line: 3, status: .passed)])
        #expect(document.succeeded)
        document.incomplete = true
        #expect(!document.succeeded, "a run cut short must not go green")
        #expect(document.summaryLine == "1 passed, 0 failed, 0 errored, 0 skipped (incomplete: the run was interrupted)")
        #expect(ConsoleReporter(useColor: false).render(document).hasSuffix("(incomplete: the run was interrupted)\n"))
        #expect(JUnitReporter().render(document).contains("<property name=\"incomplete\" value=\"true\"/>"))
        #expect(TAPReporter().render(document).hasSuffix("# 1 passed, 0 failed, 0 errored, 0 skipped (incomplete: the run was interrupted)\n"))
    }
}
