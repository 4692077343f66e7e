import Foundation
import Testing
@testable import RegSpecSuite

/// The bundled suite's write errors say why, as the system does.
@Suite("Bundled suite write errors")
struct BundledSuiteErrorTests {
    /// Regression: a full disk gave "cannot write the bundled suite" and no reason.
    @Test("a disk-full write names the reason: No space left on device", .enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func diskFull() throws {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        let failure = try #require(BundledSuite.store(Array("x".utf8), to: "/dev/full", creating: false))
        #expect(failure == "cannot write /dev/full: No space left on device")
        let error = BundledSuiteError(folder: "/cache/regspec/suite-1", damage: nil, reason: failure)
        #expect(error.description.contains("/cache/regspec/suite-1: cannot write /dev/full: No space left on device;"), "\(error)")
    }

    @Test("negative control: a write that succeeds reports nothing")
    func writeSucceeds() throws {
        let path = NSTemporaryDirectory() + "regspec-write-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(BundledSuite.store(Array("x".utf8), to: path, creating: true) == nil)
        #expect(BundledSuite.store(Array("x".utf8), to: path, creating: true)?.hasSuffix("File exists") == true)
    }
}
