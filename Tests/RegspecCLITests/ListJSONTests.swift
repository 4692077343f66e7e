import Foundation
import Testing

/// `regspec list --json`: what tools (the pytest plugin) collect the cases from.
@Suite("regspec list --json")
struct ListJSONTests {
    private func listing(_ arguments: [String]) async throws -> (format: String?, cases: [[String: Any]]) {
        let result = try await CLI.run(["list", "specs", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (json["format"] as? String, try #require(json["cases"] as? [[String: Any]]))
    }

    @Test("lists the same cases as the text listing, in order, with tags and locations")
    func sameCasesAsText() async throws {
        let (format, cases) = try await listing([])
        #expect(format == "regspec-case-list")
        let text = try await CLI.run(["list", "specs"])
        let textIDs = text.stdout.split(separator: "\n").dropLast().map { String($0.prefix { $0 != " " }) }
        #expect(cases.compactMap { $0["id"] as? String } == textIDs)
        let first = try #require(cases.first)
        #expect((first["file"] as? String)?.hasSuffix(".yaml") == true)
        #expect((first["line"] as? Int ?? 0) > 0)
        #expect(first["tags"] is [String])
        #expect(first["suite"] is String)
    }

    @Test("applies the selection options")
    func selection() async throws {
        let (_, all) = try await listing([])
        let (_, legacy) = try await listing(["--tag", "legacy"])
        #expect(!legacy.isEmpty && legacy.count < all.count)
        #expect(legacy.allSatisfy { ($0["tags"] as? [String])?.contains("legacy") == true })
    }

    @Test("refuses --json with --coverage")
    func refusesCoverage() async throws {
        let result = try await CLI.run(["list", "specs", "--json", "--coverage"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--json lists cases"))
    }
}
