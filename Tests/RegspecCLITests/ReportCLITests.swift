import Foundation
import Testing

/// End to end: the reports `regspec run` writes and `regspec report` reads back.
@Suite("Reports from the command line")
struct ReportCLITests {
    /// Two passing cases, one failing on purpose, one listed as an expected failure.
    static func writeMixedSuite(_ scratch: Scratch, failing: Bool = true) async throws {
        var text = "suite: mixed\ncases:\n"
        // By hand: sum of [-1, -2] = -3; weight 0.5 -> contribution -1.5 = loss_total.
        for (index, expected) in [-1.5, failing ? -1.7 : -1.5, -1.5, -1.9].enumerated() {
            text += """
                  - id: mixed/case-\(index)
                    summary: case \(index)
                    covers: {rules: [composition.contribution], checklist: [single-async-awaited]}
                    data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
                    call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
                    expect: {metrics: {loss_total: \(expected)}}

                """
        }
        try scratch.write("specs/mixed.yaml", text)
        try scratch.write("known.yaml", "mixed/case-3: \"wrong on purpose\"\n")
    }

    static func python(_ arguments: [String], in directory: String) async throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
    }

    @Test("one run writes console, JUnit, JSON, TAP, Markdown and HTML; the JSON matches its schema")
    func everyReport() async throws {
        let scratch = try Scratch()
        try await Self.writeMixedSuite(scratch)
        let result = try await CLI.run(
            ["run", "specs", "--expected-failures", "known.yaml", "--report", "junit:out/r.xml", "--report", "json:out/r.json",
             "--report", "tap:out/r.tap", "--report", "markdown:out/r.md", "--report", "html:out/r.html"],
            in: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout.hasSuffix("3 passed, 1 failed, 0 errored, 0 skipped, 1 xfailed, 0 xpassed\n") == false)
        #expect(result.stdout.hasSuffix("2 passed, 1 failed, 0 errored, 0 skipped, 1 xfailed, 0 xpassed\n"), "\(result.stdout)")
        for file in ["r.xml", "r.json", "r.tap", "r.md", "r.html"] {
            #expect(FileManager.default.fileExists(atPath: scratch.path + "/out/" + file), "\(file) written")
        }
        let json = try String(contentsOfFile: scratch.path + "/out/r.json", encoding: .utf8)
        #expect(json.contains("\"content_hash\" : \"sha256:"))
        #expect(json.contains("\"expected\" : -1.7"))
        let schema = try await Self.python([CLI.packageRoot + "/tools/check_report_schema.py", "out/r.json"], in: scratch.path)
        #expect(schema.status == 0, "\(schema.stdout)")
        // Negative control: the schema rejects a report with an unknown status.
        try json.replacingOccurrences(of: "\"status\" : \"failed\"", with: "\"status\" : \"broken\"").write(
            toFile: scratch.path + "/out/bad.json", atomically: true, encoding: .utf8)
        let bad = try await Self.python([CLI.packageRoot + "/tools/check_report_schema.py", "out/bad.json"], in: scratch.path)
        #expect(bad.status == 1, "\(bad.stdout)")
        let html = try String(contentsOfFile: scratch.path + "/out/r.html", encoding: .utf8)
        #expect(!html.contains("http://") && !html.contains("https://"), "self-contained: no network")
        #expect(html.contains("<pre class=\"yaml\">  - id: mixed/case-1"))
    }

    @Test("the JUnit report loads in junitparser, when it is installed")
    func junitParser() async throws {
        let scratch = try Scratch()
        try await Self.writeMixedSuite(scratch)
        _ = try await CLI.run(["run", "specs", "--report", "junit:r.xml"], in: scratch.path)
        let script = """
            import sys
            try:
                from junitparser import JUnitXml, Failure
            except ImportError:
                print("SKIPPED: junitparser is not installed"); sys.exit(0)
            xml = JUnitXml.fromfile("r.xml")
            cases = [case for suite in xml for case in suite]
            failed = [case.name for case in cases if any(isinstance(r, Failure) for r in case.result)]
            props = {p.name: p.value for suite in xml for p in suite.properties()}
            print(len(cases), failed, props["engine.name"], suite_ok := all(s.timestamp and s.hostname for s in xml))
            sys.exit(0 if len(cases) == 4 and failed == ["mixed/case-1", "mixed/case-3"] and suite_ok else 1)
            """
        let result = try await Self.python(["-c", script], in: scratch.path)
        if result.stdout.hasPrefix("SKIPPED") { print("SKIPPED: junitparser is not installed (pip install junitparser)") }
        #expect(result.status == 0, "\(result.stdout)")
    }

    @Test("prove (TAP::Harness) reads the TAP report: all-pass passes, a failure fails with no parse error")
    func prove() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prove") else {
            print("SKIPPED: prove is not installed (Debian package perl)")
            return
        }
        let scratch = try Scratch()
        try await Self.writeMixedSuite(scratch, failing: false)
        try scratch.write("known.yaml", "")
        _ = try await CLI.run(["run", "specs", "--filter", "case-[012]", "--report", "tap:pass.tap"], in: scratch.path)
        try await Self.writeMixedSuite(scratch)
        _ = try await CLI.run(["run", "specs", "--expected-failures", "known.yaml", "--report", "tap:fail.tap"], in: scratch.path)
        func prove(_ file: String) async throws -> CLI.Result {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prove")
            process.arguments = ["-e", "cat", file]
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return CLI.Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
        }
        let pass = try await prove("pass.tap")
        #expect(pass.status == 0, "\(pass.stdout)")
        #expect(pass.stdout.contains("Result: PASS"))
        let fail = try await prove("fail.tap")
        #expect(fail.status != 0)
        #expect(fail.stdout.contains("Failed test:  2"), "\(fail.stdout)")
        #expect(!fail.stdout.contains("Parse errors"), "\(fail.stdout)")
    }

    @Test("merged shard reports print exactly the unsharded run's console output")
    func mergeShards() async throws {
        let scratch = try Scratch()
        try await Self.writeMixedSuite(scratch)
        var text = try String(contentsOfFile: scratch.path + "/specs/mixed.yaml", encoding: .utf8)
        // More cases, so that each of three shards gets some.
        for index in 4..<12 {
            text += """
                  - id: mixed/more-\(index)
                    summary: more \(index)
                    covers: {rules: [composition.contribution]}
                    data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]
                    call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
                    expect: {metrics: {loss_total: \(index % 3 == 0 ? -2.5 : -1.5)}}

                """
        }
        try scratch.write("specs/mixed.yaml", text)
        let common = ["run", "specs", "--expected-failures", "known.yaml"]
        let full = try await CLI.run(common + ["--report", "json:full.json"], in: scratch.path)
        for index in 1...3 {
            _ = try await CLI.run(common + ["--shard", "\(index)/3", "--report", "json:shard-\(index).json"], in: scratch.path)
        }
        let merged = try await CLI.run(["report", "shard-3.json", "shard-1.json", "shard-2.json"], in: scratch.path)
        #expect(merged.status == full.status)
        // Only the measured seconds may differ.
        func normalized(_ text: String) -> String {
            text.replacingOccurrences(of: #"cases in [0-9.]+ s"#, with: "cases in T s", options: .regularExpression)
        }
        #expect(normalized(merged.stdout) == normalized(full.stdout))
        #expect(full.stdout.contains("FAIL mixed/case-1"))
        #expect(merged.stdout.split(separator: "\n").last == full.stdout.split(separator: "\n").last)
        // A missing shard fails the merge (ShardMergeCLITests has the details).
        let partial = try await CLI.run(["report", "shard-1.json", "shard-2.json"], in: scratch.path)
        #expect(partial.status == 1)
        #expect(partial.stdout.contains("FAILED: the merge lacks shard(s) 3/3 of 3"), "\(partial.stdout)")
        // Re-rendering a saved report into another format.
        let junit = try await CLI.run(["report", "full.json", "--report", "junit:again.xml"], in: scratch.path)
        #expect(junit.status == 1)
        #expect(try String(contentsOfFile: scratch.path + "/again.xml", encoding: .utf8).contains("tests=\"12\""))
    }

    @Test("reports of several engines make one conformance table; --diff lists newly failing and passing cases")
    func compareAndDiff() async throws {
        let scratch = try Scratch()
        try await Self.writeMixedSuite(scratch, failing: false)
        _ = try await CLI.run(["run", "specs", "--engine-name", "good", "--report", "json:good.json"], in: scratch.path)
        try await Self.writeMixedSuite(scratch)
        _ = try await CLI.run(
            ["run", "specs", "--engine-name", "served", "--engine-command", "\(CLI.binary) serve", "--report", "json:served.json"],
            in: scratch.path)
        let table = try await CLI.run(
            ["report", "good.json", "served.json", "--report", "markdown:table.md", "--report", "html:table.html"], in: scratch.path)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("mixed/case-1"))
        let markdown = try String(contentsOfFile: scratch.path + "/table.md", encoding: .utf8)
        #expect(markdown.contains("| case | good | served | detail |"))
        #expect(markdown.contains("| mixed/case-1 | ✅ pass | ❌ FAIL |"))
        #expect(markdown.contains("| single-async-awaited | 4 | 3/4 | 2/4 |"), "\(markdown)")
        #expect(markdown.contains("**Warning:** the reports ran different suites"))
        let diff = try await CLI.run(["report", "--diff", "good.json", "served.json"], in: scratch.path)
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("newly failing (1):\n  mixed/case-1: passed -> failed"), "\(diff.stdout)")
        let back = try await CLI.run(["report", "--diff", "served.json", "good.json"], in: scratch.path)
        #expect(back.status == 0)
        #expect(back.stdout.contains("newly passing (1):\n  mixed/case-1: failed -> passed"))
        let perEngine = try await CLI.run(["report", "good.json", "served.json", "--report", "junit:x.xml"], in: scratch.path)
        #expect(perEngine.status == 2)
        #expect(perEngine.stderr.contains("describes one engine"))
        let notReport = try await CLI.run(["report", "specs/mixed.yaml"], in: scratch.path)
        #expect(notReport.status == 2)
        #expect(notReport.stderr.contains("specs/mixed.yaml: not valid JSON"))
    }

    @Test("report paths r, ./r, d/r and absolute; devices and FIFOs are written in place")
    func outputPaths() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        for path in ["r", "./s", "d/r", scratch.path + "/abs/r"] {
            let result = try await CLI.run(["run", "specs", "--report", "json:\(path)"], in: scratch.path)
            #expect(result.status == 0, "\(path): \(result.stderr)")
            let written = path.hasPrefix("/") ? path : scratch.path + "/" + path
            #expect(FileManager.default.fileExists(atPath: written), "\(path)")
        }
        let legacy = try await CLI.run(["run", "specs", "--format", "json", "--output", "r"], in: scratch.path)
        #expect(legacy.status == 0)
        // /dev/stdout with stdout a pipe: the JSON arrives on the pipe, nothing is replaced.
        let stdout = try await CLI.run(["run", "specs", "--report", "json:/dev/stdout"], in: scratch.path)
        #expect(stdout.status == 0)
        #expect(stdout.stdout.contains("\"format\" : \"regspec-report\""))
        #expect(stdout.stdout.hasSuffix("1 passed, 0 failed, 0 errored, 0 skipped\n"))
        // A FIFO stays a FIFO and its reader gets the report.
        let fifo = scratch.path + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "specs", "--report", "junit:fifo"]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let reader = try #require(FileHandle(forReadingAtPath: fifo))
        let received = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(received.contains("<testsuites name=\"regspec\""))
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO, "still a FIFO")
    }

    @Test("a report that cannot be written: the console summary still prints, then exit 2 with the path named")
    func unwritable() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        try scratch.write("file", "not a directory")
        let blocked = try await CLI.run(["run", "specs", "--report", "json:file/r.json", "--report", "tap:ok.tap"], in: scratch.path)
        #expect(blocked.status == 2)
        #expect(blocked.stdout.hasSuffix("1 passed, 0 failed, 0 errored, 0 skipped\n"))
        #expect(blocked.stderr.contains("cannot write the report file/r.json"))
        #expect(!blocked.stderr.contains("NSCocoaErrorDomain"))
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/ok.tap"), "the other reports are still written")
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let full = try await CLI.run(["run", "specs", "--report", "json:/dev/full"], in: scratch.path)
        #expect(full.status == 2)
        #expect(full.stderr.contains("cannot write the report /dev/full: no space left on device"), "\(full.stderr)")
        #expect(full.stdout.hasSuffix("1 passed, 0 failed, 0 errored, 0 skipped\n"))
        var status = stat()
        #expect(stat("/dev/full", &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR, "/dev/full is still a device")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".regspec-") }
        #expect(leftovers.isEmpty, "no temporary file left: \(leftovers)")
    }

    @Test("a broken spec file still writes the reports: JUnit with one error element, exit 2")
    func brokenSuite() async throws {
        let scratch = try Scratch()
        try scratch.write("specs/broken.yaml", "suite: broken\ncases:\n  - id: broken/one\n    expct: {}\n")
        let result = try await CLI.run(["run", "specs", "--report", "junit:r.xml", "--report", "json:r.json", "--report", "github"], in: scratch.path)
        #expect(result.status == 2)
        let xml = try String(contentsOfFile: scratch.path + "/r.xml", encoding: .utf8)
        #expect(xml.components(separatedBy: "<error ").count == 2, "\(xml)")
        #expect(xml.contains("specs/broken.yaml:"))
        #expect(result.stdout.contains("::error file=specs/broken.yaml,line="))
        let json = try String(contentsOfFile: scratch.path + "/r.json", encoding: .utf8)
        #expect(json.contains("\"problems\" : ["))
    }

    @Test("--report github annotates the failing case's line and appends a summary to $GITHUB_STEP_SUMMARY")
    func github() async throws {
        let scratch = try Scratch()
        try await Self.writeMixedSuite(scratch)
        let summary = scratch.path + "/summary.md"
        try "earlier step\n".write(toFile: summary, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["run", "specs", "--report", "github"], in: scratch.path, environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(result.status == 1)
        // mixed/case-1 starts at line 9 of specs/mixed.yaml (case 0 at line 3, 6 lines per case).
        #expect(result.stdout.contains("::error file=specs/mixed.yaml,line=9,title=regspec%3A mixed/case-1 failed::case 1%0Ametrics.loss_total: expected -1.7"))
        #expect(result.stdout.hasSuffix("2 passed, 2 failed, 0 errored, 0 skipped\n"), "the console still prints")
        let written = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(written.hasPrefix("earlier step\n## RegSpec: regspec-reference"))
        #expect(written.contains("| mixed/case-1 | ❌ FAIL |"))
    }
}
