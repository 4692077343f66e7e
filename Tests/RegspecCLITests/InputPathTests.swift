import Foundation
import Testing

/// One-character paths trapped in Foundation's path handling on Linux before the loader used `LexicalPath`.
@Suite("Spec paths on the command line")
struct SpecPathCommandTests {
    static let spec = """
        suite: paths
        cases:
          - id: paths/one
            summary: a case that loads from any path
            covers: {rules: [composition.contribution]}
            data: {fixture: d.yaml}
            call: {regularizers: [{name: total, weight: 0.5, fn: sum}]}
            expect: {requests: {forward: 1, backward: 1}}

        """

    @Test("validate accepts one-character files and folders", arguments: ["x", "./x", "t/x.yaml", "t", "./t/", "t//x.yaml"])
    func oneCharacterPaths(_ path: String) async throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/t", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.path + "/fixtures", withIntermediateDirectories: true)
        try scratch.write("fixtures/d.yaml", "data: [{tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}]\n")
        try scratch.write("x", Self.spec)
        try scratch.write("t/x.yaml", Self.spec)
        let result = try await CLI.run(["validate", path], in: scratch.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1 file, 1 case, no problems"))
    }

    @Test("a missing absolute one-character path is a diagnostic")
    func missingAbsolute() async throws {
        let result = try await CLI.run(["validate", "/x-does-not-exist"], in: NSTemporaryDirectory())
        #expect(result.status == 2)
        #expect(result.stderr.contains("/x-does-not-exist:1:1: error: no such file or directory"))
    }
}
