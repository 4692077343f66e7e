import Foundation
import Testing
@testable import SpecHarness

/// The spec loader's fuzzing corpus, run as a regression test: the shipped specs and every
/// reproduction in `tools/fuzz/spec-loader/corpus/` load to cases or well-formed diagnostics.
/// A crash or hang here is a loader bug the campaign (`tools/fuzz/spec-loader/run.sh`) found.
@Suite("Spec loader fuzzing corpus")
struct SpecLoaderCorpusTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fuzzFolder = packageRoot + "/tools/fuzz/spec-loader"

    static var inputs: [String] {
        func yamlFiles(in folder: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
        }
        return yamlFiles(in: fuzzFolder + "/corpus") + yamlFiles(in: packageRoot + "/specs").filter { $0.hasSuffix(".yaml") }
    }

    /// The promises `tools/fuzz/spec-loader/SpecLoaderOutputCheck.swift` checks in the fuzzer.
    static func problem(in suite: LoadedSuite) -> String? {
        for diagnostic in suite.diagnostics {
            if diagnostic.location.line < 1 || diagnostic.location.column < 1 { return "unlocated: \(diagnostic)" }
            let lines = diagnostic.description.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.count > 2 || !lines[0].contains(": error: ") || (lines.count == 2 && !lines[1].hasPrefix("    hint: ")) {
                return "not one line: \(diagnostic.description.debugDescription)"
            }
            if diagnostic.description.unicodeScalars.contains(where: { $0 != "\n" && ($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }) {
                return "control character: \(diagnostic.description.debugDescription)"
            }
        }
        if suite.cases.contains(where: { $0.id.isEmpty }) { return "a case without an id" }
        return nil
    }

    @Test("the corpus holds the shipped specs and the crash reproductions")
    func corpusIsThere() {
        let names = Self.inputs.map { LexicalPath($0).lastComponent }
        for reproduction in ["alias-bomb.yaml", "fixture-self.yaml", "fixture-cycle.yaml", "control-id.yaml", "invalid-utf8.yaml"] {
            #expect(names.contains(reproduction))
        }
        #expect(names.count > 20)
    }

    @Test("every corpus input loads to cases or well-formed diagnostics", arguments: inputs)
    func corpusInput(_ path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let isShippedSpec = path.hasPrefix(Self.packageRoot + "/specs/")
        var loader = SpecLoader(fixturesDirectory: isShippedSpec ? Self.packageRoot + "/fixtures" : Self.fuzzFolder + "/fixtures")
        loader.limits.yaml.maximumBytes = 1 << 20
        let suite = loader.load(yaml: bytes, file: "fuzz.yaml")
        #expect(Self.problem(in: suite) == nil)
        if isShippedSpec { #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)") }
    }

    @Test("the output check fails on a diagnostic that breaks its line or is unlocated")
    func negativeControl() {
        var suite = LoadedSuite()
        suite.diagnostics = [SpecDiagnostic(SourceLocation(file: "f", line: 0, column: 1), "m")]
        #expect(Self.problem(in: suite) != nil)
        suite.diagnostics = [SpecDiagnostic(.start(of: "f"), "fine")]
        #expect(Self.problem(in: suite) == nil)
    }
}
