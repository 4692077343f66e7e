import Foundation
import Testing

/// docs/embedding.md shows ReferenceConformanceTests.swift verbatim; this keeps them one text,
/// so the documented example is the one `swift test` runs.
@Suite("docs/embedding.md shows the example that runs")
struct DocumentedExampleTests {
    static let testsFolder = URL(filePath: #filePath).deletingLastPathComponent()
    static let packageRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

    /// The first ```swift block of `markdown`, or nil when there is none.
    static func firstSwiftBlock(of markdown: String) -> String? {
        guard let open = markdown.range(of: "```swift\n") else { return nil }
        guard let close = markdown.range(of: "\n```", range: open.upperBound..<markdown.endIndex) else { return nil }
        return String(markdown[open.upperBound..<close.lowerBound]) + "\n"
    }

    @Test("the documented example is the test file")
    func documentedExampleRuns() throws {
        let document = try String(contentsOf: Self.packageRoot.appending(path: "docs/embedding.md"), encoding: .utf8)
        let example = try String(contentsOf: Self.testsFolder.appending(path: "ReferenceConformanceTests.swift"), encoding: .utf8)
        #expect(Self.firstSwiftBlock(of: document) == example)
    }

    @Test("a document whose example differs does not match")
    func differingExampleIsSeen() throws {
        let example = try String(contentsOf: Self.testsFolder.appending(path: "ReferenceConformanceTests.swift"), encoding: .utf8)
        let edited = "# Embedding\n\n```swift\n" + example.replacingOccurrences(of: "MyClientEngine()", with: "OtherEngine()") + "```\n"
        #expect(Self.firstSwiftBlock(of: edited) != example)
        #expect(Self.firstSwiftBlock(of: "no code here") == nil)
    }
}
