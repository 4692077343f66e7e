import Foundation
import Testing

/// End to end: `regspec report` over shard reports passes only when they cover the whole selection.
@Suite("Merging shard reports from the command line")
struct ShardMergeCLITests {
    /// A passing suite of 16 cases, its four shards' reports (`s1.json` ... `s4.json`) and how
    /// many cases each holds.
    static func fourShards(_ scratch: Scratch) async throws -> [Int] {
        try scratch.writePassingSuite(count: 16)
        var sizes: [Int] = []
        for index in 1...4 {
            let run = try await CLI.run(["run", "specs", "-q", "--shard", "\(index)/4", "--report", "json:s\(index).json"], in: scratch.path)
            try #require(run.status == 0, "shard \(index): \(run.stderr)")
            sizes.append(try Self.cases(in: scratch.path + "/s\(index).json"))
        }
        return sizes
    }

    static func cases(in path: String) throws -> Int {
        let data = try #require(FileManager.default.contents(atPath: path))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["cases"] as? [Any]).count
    }

    /// A copy of `file` with `old` replaced by `new`, which must occur.
    static func edit(_ scratch: Scratch, _ file: String, _ old: String, _ new: String, to target: String) throws {
        let text = try String(contentsOfFile: scratch.path + "/" + file, encoding: .utf8)
        try #require(text.contains(old), "\(file) holds \(old)")
        try scratch.write(target, text.replacingOccurrences(of: old, with: new))
    }

    @Test("2 of 4 shards fail in every format, naming the missing shards and cases; --allow-partial-shards accepts them")
    func missingShards() async throws {
        let scratch = try Scratch()
        let sizes = try await Self.fourShards(scratch)
        let missing = sizes[2] + sizes[3]
        try #require(missing > 0)
        let line = "the merge lacks shard(s) 3/4, 4/4 of 4 and \(missing) of the 16 selected cases"

        let whole = try await CLI.run(["report", "s1.json", "s2.json", "s3.json", "s4.json"], in: scratch.path)
        #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
        #expect(!whole.stdout.contains("FAILED"))

        let partial = try await CLI.run(
            ["report", "s1.json", "s2.json", "--report", "console", "--report", "json:p.json", "--report", "junit:p.xml", "--report", "tap:p.tap",
             "--report", "markdown:p.md", "--report", "html:p.html", "--report", "github:p.gh"],
            in: scratch.path)
        #expect(partial.status == 1, "\(partial.stdout)\(partial.stderr)")
        #expect(partial.stdout.contains("FAILED: " + line), "\(partial.stdout)")
        for file in ["p.json", "p.xml", "p.tap", "p.md", "p.html", "p.gh"] {
            let text = try String(contentsOfFile: scratch.path + "/" + file, encoding: .utf8)
            // Markdown holds the line inert: its parentheses backslash-escaped.
            let shown = file == "p.md" ? line.replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)") : line
            #expect(text.contains(shown), "\(file): \(text)")
        }
        #expect(try String(contentsOfFile: scratch.path + "/p.tap", encoding: .utf8).contains("not ok"))
        #expect(try String(contentsOfFile: scratch.path + "/p.xml", encoding: .utf8).contains("type=\"verdict\""))

        // One shard alone is a partial set too.
        let alone = try await CLI.run(["report", "s2.json"], in: scratch.path)
        #expect(alone.status == 1)
        #expect(alone.stdout.contains("the merge lacks shard(s) 1/4, 3/4, 4/4 of 4"), "\(alone.stdout)")

        let allowed = try await CLI.run(["report", "s1.json", "s2.json", "--allow-partial-shards"], in: scratch.path)
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(allowed.stdout.contains("note: a partial shard set, accepted by --allow-partial-shards: " + line), "\(allowed.stdout)")
        #expect(!allowed.stdout.contains("FAILED"))

        let help = try await CLI.run(["report", "--help"], in: scratch.path)
        #expect(help.stdout.contains("--allow-partial-shards"))
    }

    @Test("invalid shard labels (7/3, 0/0) fail the merge, also with --allow-partial-shards")
    func invalidLabels() async throws {
        let scratch = try Scratch()
        _ = try await Self.fourShards(scratch)
        for label in ["7/3", "0/0", "-1/4", "1/0"] {
            try Self.edit(scratch, "s1.json", "\"shard\" : \"1/4\"", "\"shard\" : \"\(label)\"", to: "bad.json")
            for extra in [[], ["--allow-partial-shards"]] {
                let merged = try await CLI.run(["report", "bad.json", "s2.json", "s3.json", "s4.json"] + extra, in: scratch.path)
                #expect(merged.status == 1, "\(label) \(extra): \(merged.stdout)\(merged.stderr)")
                #expect(merged.stdout.contains("FAILED: shard label '\(label)' is not I/N with 1 <= I <= N"), "\(merged.stdout)")
            }
        }
        // A label far beyond the shards given is a missing-shard problem that stays short.
        try Self.edit(scratch, "s1.json", "\"shard\" : \"1/4\"", "\"shard\" : \"1/9223372036854775807\"", to: "huge.json")
        let huge = try await CLI.run(["report", "huge.json"], in: scratch.path)
        #expect(huge.status == 1)
        #expect(huge.stdout.contains("and 9223372036854775798 more of 9223372036854775807"), "\(huge.stdout)")
    }

    @Test("a case id counted twice fails the merge: a shard given twice, or one case in two shard reports")
    func duplicates() async throws {
        let scratch = try Scratch()
        _ = try await Self.fourShards(scratch)
        for extra in [[], ["--allow-partial-shards"]] {
            let twice = try await CLI.run(["report", "s1.json", "s1.json", "s2.json", "s3.json", "s4.json"] + extra, in: scratch.path)
            #expect(twice.status == 1, "\(twice.stdout)\(twice.stderr)")
            #expect(twice.stdout.contains("FAILED: shard(s) 1/4 are given more than once"), "\(twice.stdout)")
            #expect(twice.stdout.contains("case id(s) are counted more than once"), "\(twice.stdout)")
        }
        // The same report relabelled as the missing shard: no label repeats, but its cases do.
        try Self.edit(scratch, "s1.json", "\"shard\" : \"1/4\"", "\"shard\" : \"4/4\"", to: "relabelled.json")
        let relabelled = try await CLI.run(["report", "s1.json", "s2.json", "s3.json", "relabelled.json"], in: scratch.path)
        #expect(relabelled.status == 1, "\(relabelled.stdout)")
        #expect(relabelled.stdout.contains("case id(s) are counted more than once ('fault/case-"), "\(relabelled.stdout)")
        #expect(!relabelled.stdout.contains("given more than once"))
    }

    @Test("shards of different selections or splits fail the merge")
    func differentSelections() async throws {
        let scratch = try Scratch()
        _ = try await Self.fourShards(scratch)
        // Shards 3 and 4 of a narrower run: together the four shards hold cases of two selections.
        for index in 3...4 {
            let run = try await CLI.run(
                ["run", "specs", "-q", "--exclude-tag", "none", "--filter", "case-1", "--shard", "\(index)/4", "--report", "json:n\(index).json"],
                in: scratch.path)
            #expect(run.status == 0 || run.status == 2, "\(run.stderr)")
        }
        let narrowed = ["n3.json", "n4.json"].filter { FileManager.default.fileExists(atPath: scratch.path + "/" + $0) }
        try #require(!narrowed.isEmpty, "a narrowed shard holds a case")
        let mixed = try await CLI.run(["report", "s1.json", "s2.json"] + narrowed + ["--allow-partial-shards"], in: scratch.path)
        #expect(mixed.status == 1, "\(mixed.stdout)\(mixed.stderr)")
        #expect(mixed.stdout.contains("FAILED: the reports ran different selections (16 case(s)"), "\(mixed.stdout)")
        #expect(mixed.stdout.contains("(filter 'case-1', without tag 'none')"), "\(mixed.stdout)")

        // The same selection split two ways.
        let three = try await CLI.run(["run", "specs", "-q", "--shard", "2/3", "--report", "json:t2.json"], in: scratch.path)
        try #require(three.status == 0, "\(three.stderr)")
        let splits = try await CLI.run(["report", "s1.json", "t2.json"], in: scratch.path)
        #expect(splits.status == 1)
        #expect(splits.stdout.contains("FAILED: the shards come from different splits (1/4, 2/3): merge the shards of one"), "\(splits.stdout)")

        // A whole run merged with its shards counts every case twice.
        let full = try await CLI.run(["run", "specs", "-q", "--report", "json:full.json"], in: scratch.path)
        try #require(full.status == 0)
        let withWhole = try await CLI.run(["report", "full.json", "s1.json"], in: scratch.path)
        #expect(withWhole.status == 1)
        #expect(withWhole.stdout.contains("1 report(s) without a shard label are merged with shard reports"), "\(withWhole.stdout)")
        // Negative control: the whole run's report alone is no merge and passes.
        let alone = try await CLI.run(["report", "full.json"], in: scratch.path)
        #expect(alone.status == 0, "\(alone.stdout)")
    }

    @Test("format_version 0 or negative is refused")
    func formatVersion() async throws {
        let scratch = try Scratch()
        try scratch.writePassingSuite(count: 2)
        let run = try await CLI.run(["run", "specs", "-q", "--report", "json:r.json"], in: scratch.path)
        try #require(run.status == 0)
        for version in ["0", "-1"] {
            try Self.edit(scratch, "r.json", "\"format_version\" : 1", "\"format_version\" : \(version)", to: "v.json")
            let read = try await CLI.run(["report", "v.json"], in: scratch.path)
            #expect(read.status == 2, "\(version): \(read.stdout)")
            #expect(read.stderr.contains("v.json: it has format_version \(version); versions start at 1"), "\(read.stderr)")
        }
        // Negative control: version 1 reads.
        try Self.edit(scratch, "r.json", "\"format_version\" : 1", "\"format_version\" : 1", to: "v.json")
        #expect(try await CLI.run(["report", "v.json"], in: scratch.path).status == 0)
    }
}
