// libFuzzer entry for the spec loader: any bytes must load to cases or diagnostics, never a
// crash, a hang or a malformed diagnostic. Built and run by run.sh, not by `swift build`.
import Foundation
import SpecHarness

private let loader: SpecLoader = {
    var loader = SpecLoader(fixturesDirectory: ProcessInfo.processInfo.environment["REGSPEC_FUZZ_FIXTURES"] ?? "tools/fuzz/spec-loader/fixtures")
    loader.limits.yaml.maximumBytes = 1 << 20
    return loader
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func specLoaderFuzzInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let suite = loader.load(yaml: Array(UnsafeBufferPointer(start: data, count: size)), file: "fuzz.yaml")
    if let problem = SpecLoaderOutputCheck.problem(in: suite) {
        // The oracle: libFuzzer records the input that broke a promise of the loader.
        FileHandle.standardError.write(Data("loader promise broken: \(problem)\n".utf8))
        abort()
    }
    return 0
}
