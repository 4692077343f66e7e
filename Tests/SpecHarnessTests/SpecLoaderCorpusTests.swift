import Foundation
import Testing
@testable import SpecHarness
import SpecTestSupport

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
        #expect(SpecLoaderOutputCheck.problem(in: suite) == nil)
        if isShippedSpec { #expect(suite.diagnostics.isEmpty, "\(suite.diagnostics)") }
    }

    @Test("the output check fails on a diagnostic that breaks its line or is unlocated")
    func negativeControl() {
        var suite = LoadedSuite()
        suite.diagnostics = [SpecDiagnostic(SourceLocation(file: "f", line: 0, column: 1), "m")]
        #expect(SpecLoaderOutputCheck.problem(in: suite) != nil)
        suite.diagnostics = [SpecDiagnostic(.start(of: "f"), "fine")]
        #expect(SpecLoaderOutputCheck.problem(in: suite) == nil)
    }
}
