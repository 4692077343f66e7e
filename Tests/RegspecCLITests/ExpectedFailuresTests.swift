import Foundation
import Testing

@Suite("Expected failures and shards")
struct ExpectedFailuresTests {
    /// Four cases; fault/case-2 expects a wrong loss_total, so it fails.
    func suiteWithOneFailure() async throws -> Scratch {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 4)
        let path = scratch.path + "/specs/fault.yaml"
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let expectLine = try #require(lines.indices.filter { lines[$0].contains("loss_total: -1.5") }.dropFirst(2).first)
        lines[expectLine] = lines[expectLine].replacingOccurrences(of: "loss_total: -1.5", with: "loss_total: 7.0")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return scratch
    }

    @Test("a listed failing case does not fail the run")
    func expectedFailure() async throws {
        let scratch = try await suiteWithOneFailure()
        try scratch.write("known.yaml", "fault/case-2: \"loss_total is wrong on purpose\"\n")
        let result = try await CLI.run(["run", "specs", "--expected-failures", "known.yaml"], in: scratch.path)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("XFAIL fault/case-2: loss_total is wrong on purpose"))
        #expect(result.stdout.hasSuffix("3 passed, 0 failed, 0 errored, 0 skipped, 1 xfailed, 0 xpassed\n"))
    }

    @Test("a listed case that passes fails the run as unexpectedly passing")
    func unexpectedPass() async throws {
        let scratch = try await suiteWithOneFailure()
        try scratch.write("known.yaml", "fault/case-2: wrong on purpose\nfault/case-0: thought broken\n")
        let result = try await CLI.run(["run", "specs", "--expected-failures", "known.yaml"], in: scratch.path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("XPASS fault/case-0"))
        #expect(result.stdout.hasSuffix("2 passed, 0 failed, 0 errored, 0 skipped, 1 xfailed, 1 xpassed\n"))
    }

    @Test("--update-expected-failures writes exactly the failing cases, keeping known reasons")
    func update() async throws {
        let scratch = try await suiteWithOneFailure()
        try scratch.write("known.yaml", "fault/case-0: stale entry\n")
        let result = try await CLI.run(["run", "specs", "--expected-failures", "known.yaml", "--update-expected-failures"], in: scratch.path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let written = try String(contentsOfFile: scratch.path + "/known.yaml", encoding: .utf8)
        #expect(written.contains("fault/case-2: \"fails: metrics.loss_total: expected 7.0 ± 7.1e-05, actual -1.5"))
        #expect(!written.contains("fault/case-0"))
        let rerun = try await CLI.run(["run", "specs", "--expected-failures", "known.yaml"], in: scratch.path)
        #expect(rerun.status == 0)
    }

    @Test("a malformed expected-failures file is a usage error with its location")
    func malformedFile() async throws {
        let scratch = try await suiteWithOneFailure()
        try scratch.write("known.yaml", "fault/case-2: [not, a, reason]\n")
        let result = try await CLI.run(["run", "specs", "--expected-failures", "known.yaml"], in: scratch.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("known.yaml:1:15"))
    }

    @Test("shards split the suite into disjoint parts that cover it")
    func shards() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 12)
        var seen: [String] = []
        for index in 1...3 {
            let result = try await CLI.run(["list", "specs", "--shard", "\(index)/3"], in: scratch.path)
            seen += result.stdout.split(separator: "\n").filter { $0.hasPrefix("fault/") }.map { String($0.split(separator: " ")[0]) }
        }
        #expect(seen.sorted() == (0..<12).map { "fault/case-\($0)" }.sorted())
        let bad = try await CLI.run(["run", "specs", "--shard", "4/3"], in: scratch.path)
        #expect(bad.status == 2)
    }
}
