import Foundation
import Testing
@testable import RegSpecSuite

/// The bundled suite's write error says why, as the system does.
@Suite("Bundled suite write errors")
struct BundledSuiteErrorTests {
    /// Regression: a full disk gave "cannot write the bundled suite" and no reason.
    @Test("a disk-full write names the reason: No space left on device")
    func diskFull() throws {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        let failure = #expect(throws: (any Error).self) { try Data("x".utf8).write(to: URL(fileURLWithPath: "/dev/full")) }
        let error = BundledSuiteError(folder: "/cache/regspec/suite-1", cause: try #require(failure))
        #expect(error.description.contains("/cache/regspec/suite-1 (No space left on device);"), "\(error)")
    }

    @Test("negative control: without a known reason the message has no empty parentheses")
    func noReason() {
        #expect(!BundledSuiteError(folder: "/f").description.contains("()"))
        #expect(BundledSuiteError(folder: "/f").description.contains("/f; set XDG_CACHE_HOME"))
    }
}
