import Foundation
import Testing

/// End to end: `regspec run` with no path runs exactly the compiled-in suite, whatever happened
/// to its cached copy.
@Suite("The bundled suite's cached copy")
struct BundledSuiteCLITests {
    /// A scratch folder with a fresh cache, the bundled suite run once into it.
    struct Cache {
        let scratch: Scratch
        let environment: [String: String]
        /// The extracted copy: `suite-<digest>` with specs/ and fixtures/.
        let suite: String
        /// The first run's closing line: what every later run must print.
        let closingLine: String

        init() async throws {
            scratch = try Scratch()
            environment = ["XDG_CACHE_HOME": scratch.path + "/cache"]
            let first = try await CLI.run(["run", "-q"], in: scratch.path, environment: environment)
            try #require(first.status == 0, "\(first.stderr)")
            closingLine = first.stdout
            let root = scratch.path + "/cache/regspec"
            let folders = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix("suite-") && !$0.hasSuffix(".lock") }
            try #require(folders.count == 1, "\(folders)")
            suite = root + "/" + folders[0]
        }

        var specFiles: [String] {
            get throws { try FileManager.default.contentsOfDirectory(atPath: suite + "/specs").sorted() }
        }

        func run() async throws -> CLI.Result {
            try await CLI.run(["run", "-q", "--report", "json:r.json"], in: scratch.path, environment: environment)
        }
    }

    @Test("deleting 8 of the spec files: the copy is rewritten and the whole suite runs")
    func deletedFiles() async throws {
        let cache = try await Cache()
        let files = try cache.specFiles
        try #require(files.count > 2)
        for name in files.dropFirst() { try FileManager.default.removeItem(atPath: cache.suite + "/specs/" + name) }
        let result = try await cache.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == cache.closingLine, "the whole suite ran: \(result.stdout)")
        #expect(result.stderr.contains("note: the cached copy of the bundled suite was damaged (\(files.count - 1) of its"), "\(result.stderr)")
        #expect(result.stderr.contains("files missing: specs/"), "\(result.stderr)")
        #expect(try cache.specFiles == files, "the copy is whole again")
        // Negative control: an intact copy is used as it is, without a note.
        let again = try await cache.run()
        #expect(again.stdout == cache.closingLine)
        #expect(!again.stderr.contains("damaged"), "\(again.stderr)")
    }

    @Test("an edited spec file, an edited fixture and an added spec file are replaced by the compiled-in suite")
    func editedFiles() async throws {
        let cache = try await Cache()
        let files = try cache.specFiles
        let first = cache.suite + "/specs/" + files[0]
        let original = try String(contentsOfFile: first, encoding: .utf8)
        // An expectation changed so that it fails: were the edit run, the run would exit 1.
        try (original + "\n  - id: planted/edit\n    summary: planted\n    data: [{tokens: [1], targets: [2], logprobs: [-1.0]}]\n    call: {loss_fn: cross_entropy}\n    expect: {metrics: {loss_total: 12345}}\n")
            .write(toFile: first, atomically: true, encoding: .utf8)
        let edited = try await cache.run()
        #expect(edited.status == 0, "\(edited.stdout)\(edited.stderr)")
        #expect(edited.stdout == cache.closingLine)
        #expect(edited.stderr.contains("1 file(s) differ from the compiled-in suite: specs/\(files[0])"), "\(edited.stderr)")
        #expect(try String(contentsOfFile: first, encoding: .utf8) == original)

        let fixtures = cache.suite + "/fixtures"
        let fixture = try #require(FileManager.default.enumerator(atPath: fixtures)?.compactMap { $0 as? String }.first { $0.hasSuffix(".yaml") })
        let fixtureText = try String(contentsOfFile: fixtures + "/" + fixture, encoding: .utf8)
        try (fixtureText + "# changed\n").write(toFile: fixtures + "/" + fixture, atomically: true, encoding: .utf8)
        try "suite: planted\ncases: []\n".write(toFile: cache.suite + "/specs/zz-planted.yaml", atomically: true, encoding: .utf8)
        let added = try await cache.run()
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout == cache.closingLine)
        #expect(added.stderr.contains("differ from the compiled-in suite: fixtures/\(fixture)"), "\(added.stderr)")
        #expect(added.stderr.contains("1 file(s) that are not part of it: specs/zz-planted.yaml"), "\(added.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cache.suite + "/specs/zz-planted.yaml"))
    }

    @Test("a symbolic link as the cache folder or inside it is replaced; what it pointed to is left alone")
    func symbolicLinks() async throws {
        let cache = try await Cache()
        let files = try cache.specFiles
        // Another folder with one spec file only, linked in place of the suite's copy.
        let elsewhere = cache.scratch.path + "/elsewhere"
        try FileManager.default.copyItem(atPath: cache.suite, toPath: elsewhere)
        for name in files.dropFirst() { try FileManager.default.removeItem(atPath: elsewhere + "/specs/" + name) }
        try FileManager.default.removeItem(atPath: cache.suite)
        try FileManager.default.createSymbolicLink(atPath: cache.suite, withDestinationPath: elsewhere)
        let linked = try await cache.run()
        #expect(linked.status == 0, "\(linked.stderr)")
        #expect(linked.stdout == cache.closingLine, "\(linked.stdout)")
        #expect(linked.stderr.contains("it is a symbolic link to \(elsewhere), not a folder of its own"), "\(linked.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: cache.suite)
        #expect(attributes[.type] as? FileAttributeType == .typeDirectory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere + "/specs") == [files[0]], "the link's target is untouched")

        // A spec file replaced by a link to another file of the same text is replaced too.
        let target = cache.scratch.path + "/copy.yaml"
        try FileManager.default.copyItem(atPath: cache.suite + "/specs/" + files[0], toPath: target)
        try FileManager.default.removeItem(atPath: cache.suite + "/specs/" + files[0])
        try FileManager.default.createSymbolicLink(atPath: cache.suite + "/specs/" + files[0], withDestinationPath: target)
        let inner = try await cache.run()
        #expect(inner.status == 0, "\(inner.stderr)")
        #expect(inner.stderr.contains("symbolic link(s) or special file(s): specs/\(files[0])"), "\(inner.stderr)")
        #expect(FileManager.default.fileExists(atPath: target))
        let replaced = try FileManager.default.attributesOfItem(atPath: cache.suite + "/specs/" + files[0])
        #expect(replaced[.type] as? FileAttributeType == .typeRegular)
    }

    @Test("a copy without its old marker file still runs: the content decides, not a marker")
    func lostMarker() async throws {
        let cache = try await Cache()
        try? FileManager.default.removeItem(atPath: cache.suite + "/.complete")
        let result = try await cache.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == cache.closingLine)
        #expect(!result.stderr.contains("error"), "\(result.stderr)")
    }

    @Test("runs side by side on a damaged copy all run the whole suite")
    func concurrentRepairs() async throws {
        let cache = try await Cache()
        for name in try cache.specFiles.dropFirst() { try FileManager.default.removeItem(atPath: cache.suite + "/specs/" + name) }
        let (folder, environment) = (cache.scratch.path, cache.environment)
        let outcomes = try await withThrowingTaskGroup(of: CLI.Result.self) { group in
            for _ in 0..<3 {
                group.addTask { try await CLI.run(["list"], in: folder, environment: environment) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let listed = try await CLI.run(["list", "specs"])
        for outcome in outcomes {
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout == listed.stdout, "\(outcome.stdout)")
        }
    }

    @Test("a cache that cannot be written is refused with the real reason")
    func unwritable() async throws {
        let scratch = try Scratch()
        try scratch.write("file", "not a folder\n")
        let result = try await CLI.run(["run", "-q"], in: scratch.path, environment: ["XDG_CACHE_HOME": scratch.path + "/file/cache"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("error: cannot write the bundled suite to \(scratch.path)/file/cache/regspec/suite-"), "\(result.stderr)")
        #expect(result.stderr.contains("Not a directory"), "the operating system's reason: \(result.stderr)")
    }

    @Test("a damaged copy that cannot be replaced is refused with what is wrong and why", .enabled(if: geteuid() != 0))
    func unrepairable() async throws {
        let cache = try await Cache()
        let files = try cache.specFiles
        try FileManager.default.removeItem(atPath: cache.suite + "/specs/" + files[1])
        let parent = (cache.suite as NSString).deletingLastPathComponent
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: parent)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: parent) }
        let result = try await cache.run()
        #expect(result.status == 2)
        #expect(result.stderr.contains("is damaged (1 of its"), "\(result.stderr)")
        #expect(result.stderr.contains("and cannot be repaired: cannot write"), "\(result.stderr)")
        #expect(result.stderr.contains("Permission denied"), "\(result.stderr)")
    }
}
