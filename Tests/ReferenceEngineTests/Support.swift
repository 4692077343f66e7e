import Foundation
@testable import SpecHarness

// The same helpers as SpecHarnessTests/Support.swift: these tests load specs, then run the reference.

/// A scratch folder with `specs/` and `fixtures/` for one test, removed when the test ends.
final class SpecWorkspace {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "regspec-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/specs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/fixtures", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes `text` to `relativePath` under the workspace and returns the full path.
    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> String {
        let path = root + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ relativePaths: String...) -> LoadedSuite {
        SpecLoader().load(paths: relativePaths.map { root + "/" + $0 })
    }
}

/// A spec file with one case whose parts the test chooses.
func specFile(
    id: String = "example/case",
    data: String = """
        data:
              - {tokens: [1, 2], targets: [2, 3], weights: [1.0, 0.5], logprobs: [-1.0, -2.0]}
        """,
    call: String = """
        call:
              regularizers:
                - {name: total, weight: 0.5, fn: sum}
        """,
    expect: String = """
        expect:
              metrics: {loss_total: -1.5, regularizers: {total: {value: -3.0}}}
        """
) -> String {
    """
    suite: example
    cases:
      - id: \(id)
        summary: an example case
        covers: {rules: [composition.contribution]}
        \(data)
        \(call)
        \(expect)

    """
}
