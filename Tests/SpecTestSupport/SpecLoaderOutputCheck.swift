// The promises a loaded suite keeps whatever the input: the corpus test (SpecLoaderCorpusTests)
// and the fuzzer (tools/fuzz/spec-loader/run.sh compiles this file into it) check the same.
import SpecHarness

public enum SpecLoaderOutputCheck {
    /// What is wrong with the loader's answer, or nil: every diagnostic is located at a real
    /// line and column, is one `file:line:column: error:` line (plus a hint line), and holds
    /// no control character; every loaded case has an id.
    public static func problem(in suite: LoadedSuite) -> String? {
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
}
