import Foundation
import Testing

/// `regspec report --badge DIR`: per engine, a shields.io endpoint JSON and an SVG.
@Suite("regspec report --badge")
struct BadgeCLITests {
    @Test("one report: ENGINE.json and ENGINE.svg with the verdict; the report's exit code is kept")
    func oneEngine() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 3)
        _ = try await CLI.run(["run", "specs", "--report", "json:r.json"], in: scratch.path)
        let result = try await CLI.run(["report", "r.json", "--badge", "public/badges"], in: scratch.path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try String(contentsOfFile: scratch.path + "/public/badges/regspec-reference.json", encoding: .utf8)
        let version = try #require(json.range(of: "\"label\":\"regspec ").map { json[$0.upperBound...].prefix { $0 != "\"" } })
        #expect(version.hasSuffix(".x"), "\(json)")
        #expect(json == "{\"schemaVersion\":1,\"label\":\"regspec \(version)\",\"message\":\"3/3\",\"color\":\"brightgreen\"}\n")
        let svg = try String(contentsOfFile: scratch.path + "/public/badges/regspec-reference.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(">regspec \(version)</text>") && svg.contains(">3/3</text>"))
        #expect(result.stderr.contains("badge: public/badges/regspec-reference.json, .svg (regspec \(version) | 3/3, brightgreen)"), "\(result.stderr)")
    }

    @Test("several engines: one badge each, engine names made safe file names and escaped in the SVG", .enabled(if: CLI.hasPython))
    func severalEngines() async throws {
        let scratch = try Scratch()
        try await ReportCLITests.writeMixedSuite(scratch)
        let hostile = "../<b>py & \"co\""
        _ = try await CLI.run(["run", "specs", "--report", "json:reference.json"], in: scratch.path)
        _ = try await CLI.run(
            ["run", "specs", "--engine-name", hostile, "--engine-command", "\(CLI.binary) serve", "--report", "json:hostile.json"], in: scratch.path)
        let result = try await CLI.run(["report", "reference.json", "hostile.json", "--badge", "badges"], in: scratch.path)
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/badges").sorted()
        #expect(files == ["b-py----co-.json", "b-py----co-.svg", "regspec-reference.json", "regspec-reference.svg"], "\(files)")
        let failing = try String(contentsOfFile: scratch.path + "/badges/b-py----co-.json", encoding: .utf8)
        #expect(failing.contains("\"message\":\"2/4\",\"color\":\"red\""), "\(failing)")
        let svg = try String(contentsOfFile: scratch.path + "/badges/b-py----co-.svg", encoding: .utf8)
        #expect(svg.contains("<title>../&lt;b&gt;py &amp; &quot;co&quot;: regspec "), "\(svg)")
        #expect(!svg.contains("<b>"))
    }

    @Test("a folder that cannot take the badges is an error (exit 2), not a silent no-op")
    func unusableFolder() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 1)
        _ = try await CLI.run(["run", "specs", "--report", "json:r.json"], in: scratch.path)
        try scratch.write("taken", "a file, not a folder\n")
        let result = try await CLI.run(["report", "r.json", "--badge", "taken"], in: scratch.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("error: cannot write into 'taken': it exists and is not a folder"), "\(result.stderr)")
        let below = try await CLI.run(["report", "r.json", "--badge", "taken/badges"], in: scratch.path)
        #expect(below.status == 2)
        #expect(below.stderr.contains("'taken' in it is not a folder"), "\(below.stderr)")
    }
}
