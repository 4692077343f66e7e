import Foundation
import Testing
@testable import RegSpecSuite

/// The suite is compiled in as bytes (base64 written by tools/embed_suite.py): what the tool
/// writes out must be exactly the checkout's files, whatever bytes they hold.
@Suite("The embedded suite")
struct EmbeddedSuiteTests {
    @Test("base64 decodes every byte value, with and without padding, across line breaks")
    func decodesBase64() {
        #expect(Base64.decoded("") == [])
        #expect(Base64.decoded("Zg==") == Array("f".utf8))
        #expect(Base64.decoded("Zm8=") == Array("fo".utf8))
        #expect(Base64.decoded("Zm9v") == Array("foo".utf8))
        #expect(Base64.decoded("Zm9v\nYmFy\n") == Array("foobar".utf8))
        #expect(Base64.decoded("AP+ACg==") == [0x00, 0xFF, 0x80, 0x0A])
    }

    @Test("base64 refuses text that is not base64", arguments: ["Zm9", "Zm=v", "Z!9v", "Zg===AAA", "Zg==Zm9v"])
    func refusesMalformedBase64(_ text: String) {
        #expect(Base64.decoded(text) == nil)
    }

    @Test("every embedded file is byte for byte the checkout's file, and no file is left out")
    func embeddedFilesMatchTheCheckout() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var onDisk: [String] = []
        for folder in ["specs", "fixtures"] {
            let root = repository.appendingPathComponent(folder)
            let walker = try #require(FileManager.default.enumerator(atPath: root.path))
            for case let relative as String in walker {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isFolder), !isFolder.boolValue {
                    onDisk.append(folder + "/" + relative)
                }
            }
        }
        #expect(EmbeddedSuite.files.map(\.path) == onDisk.sorted())
        for file in EmbeddedSuite.files {
            let bytes = try #require(FileManager.default.contents(atPath: repository.appendingPathComponent(file.path).path))
            #expect(file.bytes == [UInt8](bytes), "\(file.path) differs from the checkout")
        }
    }
}
