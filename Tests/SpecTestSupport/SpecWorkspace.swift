import Foundation
import SpecHarness

/// Helpers shared by the test targets that load spec files.

/// A scratch folder with `specs/` and `fixtures/` for one test, removed when the test ends.
public final class SpecWorkspace {
    public let root: String

    public init() throws {
        root = NSTemporaryDirectory() + "regspec-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/specs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/fixtures", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes `text` to `relativePath` under the workspace and returns the full path.
    @discardableResult
    public func write(_ relativePath: String, _ text: String) throws -> String {
        let path = root + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    public func load(_ relativePaths: String...) -> LoadedSuite {
        SpecLoader().load(paths: relativePaths.map { root + "/" + $0 })
    }
}

/// A spec file with one case whose parts the test chooses.
public func specFile(
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

/// The bytes of a `.npy` file (format 1.0) holding `values` as little-endian float64.
public func npyFile(_ values: [Double], shape: [Int]) -> Data {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
    // The header is padded with spaces so the data starts on a 64-byte boundary, ending in a newline.
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let length = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    data.append(contentsOf: Array(header.utf8))
    for value in values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }
    return data
}
