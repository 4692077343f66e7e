import Foundation
import Testing

/// The console as pytest users expect it, and the options that shape a run.
@Suite("Console and run options")
struct ConsoleCLITests {
    func mixed() async throws -> Scratch {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch)
        return scratch
    }

    @Test("failures print as they happen, then a short summary of failing ids, the engine line and the counts")
    func normal() async throws {
        let scratch = try await mixed()
        let result = try await CLI.run(["run", "specs", "--engine-name", "mine"], in: scratch.path)
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "FAIL mixed/case-1 (specs/mixed.yaml:9:5)")
        #expect(!result.stdout.contains("mixed/case-0"), "passes are not listed without -v")
        let summary = try #require(lines.firstIndex(of: "short summary:"))
        #expect(Array(lines[(summary + 1)...(summary + 2)]) == ["  FAILED mixed/case-1", "  FAILED mixed/case-3"])
        #expect(lines[summary + 3].hasPrefix("engine mine [regspec-reference] (swift "))
        #expect(lines[summary + 3].contains("), suite "))
        #expect(lines[summary + 3].hasSuffix(" s (engine start-up included)"))
        #expect(lines.last == "2 passed, 2 failed, 0 errored, 0 skipped")
    }

    @Test("a green whole run names the suite version the engine conforms to; a narrowed or failing one does not")
    func conformance() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 3)
        let whole = try await CLI.run(["run", "specs", "--report", "json:r.json"], in: scratch.path)
        #expect(whole.status == 0)
        let line = try #require(whole.stdout.split(separator: "\n").first { $0.contains(" conforms to suite ") })
        #expect(line.hasPrefix("engine regspec-reference conforms to suite "), "\(line)")
        let report = try String(contentsOfFile: scratch.path + "/r.json", encoding: .utf8)
        #expect(report.contains("\"conforms_to\""))
        // Negative controls: a narrowed run, and a failing one, claim nothing.
        let narrowed = try await CLI.run(["run", "specs", "--case", "fault/case-0", "--report", "json:n.json"], in: scratch.path)
        #expect(narrowed.status == 0 && !narrowed.stdout.contains("conforms to"))
        #expect(narrowed.stdout.contains(", 1 case in "), "one case, in the singular: \(narrowed.stdout)")
        #expect(!(try String(contentsOfFile: scratch.path + "/n.json", encoding: .utf8)).contains("conforms_to"))
        let mixedSuite = try await mixed()
        let failing = try await CLI.run(["run", "specs"], in: mixedSuite.path)
        #expect(failing.status == 1 && !failing.stdout.contains("conforms to"))
    }

    @Test("-q prints only the closing line; -v lists every case")
    func verbosity() async throws {
        let scratch = try await mixed()
        let quiet = try await CLI.run(["run", "specs", "-q"], in: scratch.path)
        #expect(quiet.stdout == "2 passed, 2 failed, 0 errored, 0 skipped\n")
        let verbose = try await CLI.run(["run", "specs", "-v"], in: scratch.path)
        #expect(verbose.stdout.hasPrefix("PASS mixed/case-0\nFAIL mixed/case-1"))
        #expect(verbose.stdout.contains("PASS mixed/case-2\nFAIL mixed/case-3"))
        let both = try await CLI.run(["run", "specs", "-q", "-v"], in: scratch.path)
        #expect(both.status == 2)
    }

    @Test("--case is repeatable, and an id left out by --filter is not called unknown")
    func repeatableCase() async throws {
        let scratch = try await mixed()
        let two = try await CLI.run(["run", "specs", "--case", "mixed/case-0", "--case", "mixed/case-2", "-q"], in: scratch.path)
        #expect(two.stdout == "2 passed, 0 failed, 0 errored, 0 skipped\n", "both ids run, not only the last")
        let narrowed = try await CLI.run(["run", "specs", "--case", "mixed/case-0", "--case", "mixed/case-1", "--filter", "case-1", "-q"], in: scratch.path)
        #expect(narrowed.stdout == "0 passed, 1 failed, 0 errored, 0 skipped\n")
        #expect(!narrowed.stderr.contains("no case has the id"))
        let unknown = try await CLI.run(["run", "specs", "--case", "mixed/case-0", "--case", "mixed/nope"], in: scratch.path)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no case has the id \"mixed/nope\""))
    }

    @Test("-x stops at the first failure, --max-fail N at the Nth")
    func stopping() async throws {
        let scratch = try await mixed()
        let first = try await CLI.run(["run", "specs", "-x"], in: scratch.path)
        #expect(first.status == 1)
        #expect(first.stdout.hasSuffix("1 passed, 1 failed, 0 errored, 0 skipped\n"))
        #expect(first.stderr.contains("stopped after 1 failed or errored case(s); 2 case(s) not run"))
        let two = try await CLI.run(["run", "specs", "--max-fail", "2"], in: scratch.path)
        #expect(two.stdout.hasSuffix("2 passed, 2 failed, 0 errored, 0 skipped\n"))
        let bad = try await CLI.run(["run", "specs", "--max-fail", "0"], in: scratch.path)
        #expect(bad.status == 2)
    }

    @Test("--rerun-failed runs only what failed in a saved report")
    func rerunFailed() async throws {
        let scratch = try await mixed()
        _ = try await CLI.run(["run", "specs", "--report", "json:last.json"], in: scratch.path)
        let rerun = try await CLI.run(["run", "specs", "--rerun-failed", "last.json", "-v"], in: scratch.path)
        #expect(rerun.stdout.hasPrefix("FAIL mixed/case-1"))
        #expect(rerun.stdout.hasSuffix("0 passed, 2 failed, 0 errored, 0 skipped\n"))
        #expect(rerun.stderr.contains("rerunning 2 case(s) that failed or errored in last.json"))
        let missing = try await CLI.run(["run", "specs", "--rerun-failed", "nope.json"], in: scratch.path)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.json: cannot read it"))
        #expect(!missing.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test("--color always/never; auto colours a terminal unless NO_COLOR is set and non-empty")
    func color() async throws {
        let scratch = try await mixed()
        #expect(try await CLI.run(["run", "specs", "--color", "always"], in: scratch.path).stdout.contains("\u{1B}[31m"))
        #expect(!(try await CLI.run(["run", "specs", "--color", "never"], in: scratch.path).stdout.contains("\u{1B}[")))
        #expect(!(try await CLI.run(["run", "specs"], in: scratch.path).stdout.contains("\u{1B}[")), "a pipe is not a terminal")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            print("SKIPPED: --color auto on a terminal: util-linux `script` is not installed")
            return
        }
        // `script` gives regspec a pseudo-terminal as stdout.
        func onTerminal(noColor: String) async throws -> String {
            try await CLI.runShell("NO_COLOR='\(noColor)' script -qec '\(CLI.binary) run specs -q' /dev/null", in: scratch.path).stdout
        }
        await #expect(try onTerminal(noColor: "").contains("\u{1B}[31m"), "an empty NO_COLOR does not disable colour")
        await #expect(!(try onTerminal(noColor: "1").contains("\u{1B}[")))
    }

    /// Regression: the counter showed no failures, never named a slow case, and ran only from 20 cases on.
    @Test("on a terminal the progress line counts done/total and failures, and names a case that runs long", .enabled(if: CLI.hasPython))
    func progressLine() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            print("SKIPPED: the progress line on a terminal: util-linux `script` is not installed")
            return
        }
        let scratch = try await mixed()
        // case-2 never answers: errored at the 20 s timeout, named as running long from 5 s on.
        let engine = "python3 \(CLI.faultEngine) hang mixed/case-2 -- \(CLI.binary) serve"
        try scratch.write("go.sh", "exec \(CLI.binary) run specs --jobs 1 --timeout 20 --engine-command \"\(engine)\"\n")
        let result = try await CLI.runShell("script -qec 'sh go.sh' /dev/null", in: scratch.path)
        #expect(result.stdout.contains("\u{1B}[2K\r[1/4] mixed/case-0"), "\(result.stdout)")
        #expect(result.stdout.contains("\u{1B}[2K\r[2/4, 1 failed/errored] mixed/case-1"), "\(result.stdout)")
        #expect(result.stdout.contains("\u{1B}[2K\r[2/4, 1 failed/errored] still running: mixed/case-2 ("), "\(result.stdout)")
        #expect(result.stdout.contains("\u{1B}[2K\r[4/4, 3 failed/errored] mixed/case-3"), "\(result.stdout)")
        let piped = try await CLI.run(["run", "specs"], in: scratch.path)
        #expect(!piped.stderr.contains("[1/4]"), "no counter when stderr is not a terminal")
    }

    @Test("help prose wraps at the terminal's width: no hard-wrapped lines")
    func helpWraps() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let help = try await CLI.runShell("script -qec 'stty cols 240; \(CLI.binary) run --help' /dev/null", in: CLI.packageRoot).stdout
        #expect(help.contains("Each case ends passed, failed (the engine's result differs from the spec), errored (the engine broke) or skipped"), "\(help)")
    }

    @Test("regspec run with no path runs the bundled suite from any directory, the same suite as specs/")
    func bundledSuite() async throws {
        let scratch = try Scratch()
        let cache = scratch.path + "/cache"
        let bundled = try await CLI.run(["run", "-q", "--report", "json:bundled.json"], in: scratch.path, environment: ["XDG_CACHE_HOME": cache])
        #expect(bundled.status == 0, "\(bundled.stderr)")
        let repo = try await CLI.run(["run", "specs", "-q", "--report", "json:\(scratch.path)/repo.json"])
        #expect(bundled.stdout == repo.stdout, "the same cases with the same outcomes")
        #expect(!bundled.stdout.hasPrefix("0 passed"))
        func hash(_ file: String) async throws -> String? {
            let text = try String(contentsOfFile: scratch.path + "/" + file, encoding: .utf8)
            return text.range(of: #"sha256:[0-9a-f]{64}"#, options: .regularExpression).map { String(text[$0]) }
        }
        await #expect(try hash("bundled.json") != nil)
        await #expect(try hash("bundled.json") == hash("repo.json"), "the bundled suite is specs/ as it is (tools/embed_suite.py)")
        let listed = try await CLI.run(["validate"], in: scratch.path, environment: ["XDG_CACHE_HOME": cache])
        #expect(listed.status == 0)
    }

    @Test("the compiled-in suite matches specs/ and fixtures/ (tools/embed_suite.py --check)", .enabled(if: CLI.hasPython))
    func embeddedSuiteCurrent() async throws {
        let check = try await CLI.runShell("python3 tools/embed_suite.py --check", in: CLI.packageRoot)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}

extension CLI {
    /// Runs a shell command line and waits for it.
    static func runShell(_ command: String, in directory: String) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
