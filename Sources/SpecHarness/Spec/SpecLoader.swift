#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Loads spec files and directories of them into one suite, with every problem found.
public struct SpecLoader: Sendable {
    /// Bounds that keep a hostile spec file from hanging the loader or exhausting memory.
    public struct Limits: Sendable, Equatable {
        package var yaml = YAMLLimits()
        /// How many fixture files may lead from a case to its datums (`{fixture: a}` in `a` is a cycle, reported as one).
        public var maximumFixtureDepth = 16

        public init() {}
    }

    /// Where `data: {fixture: ...}` paths start; by default the `fixtures/` folder beside a spec file's folder.
    public var fixturesDirectory: String?
    public var catalogue: Catalogue
    public var limits = Limits()

    public init(fixturesDirectory: String? = nil, catalogue: Catalogue = .standard) {
        self.fixturesDirectory = fixturesDirectory
        self.catalogue = catalogue
    }

    /// Loads every `.yaml`/`.yml` file under `paths` (files or directories), in path order.
    public func load(paths: [String]) -> LoadedSuite {
        var suite = LoadedSuite()
        for path in paths {
            switch Self.specFiles(at: path, skipped: &suite.warnings) {
            case .success(let files):
                for file in files { load(file: file, into: &suite) }
            case .failure(let diagnostic):
                suite.diagnostics.append(diagnostic)
            }
        }
        suite.reportRepeatedIDs()
        return suite
    }

    /// Loads one spec file's text held in memory, as if it were read from `file`; for fuzzing
    /// the loader and for tools that generate specs. Fixtures are still read from disk.
    public func load(yaml bytes: [UInt8], file: String) -> LoadedSuite {
        var suite = LoadedSuite()
        let parsed = YAMLValue.parse(YAMLByteSource(origin: .bytes(bytes), limit: limits.yaml.maximumBytes), file: file, limits: limits.yaml)
        add(parsed, file: file, into: &suite)
        suite.reportRepeatedIDs()
        return suite
    }

    private func load(file: String, into suite: inout LoadedSuite) {
        add(YAMLValue.parse(fileAtPath: file, displayName: file, limits: limits.yaml), file: file, into: &suite)
    }

    private func add(_ parsed: (value: YAMLValue?, diagnostics: [SpecDiagnostic]), file: String, into suite: inout LoadedSuite) {
        suite.diagnostics += parsed.diagnostics
        guard let root = parsed.value else { return }
        let fixtures = fixturesDirectory ?? Self.defaultFixturesDirectory(for: file)
        let specFile = SpecParser(file: file, fixturesDirectory: fixtures, catalogue: catalogue, limits: limits).parse(root)
        suite.diagnostics += specFile.diagnostics
        suite.declaredIDs += specFile.ids
        if let loaded = specFile.file { suite.files.append(loaded) }
    }

    static func defaultFixturesDirectory(for file: String) -> String {
        LexicalPath(file).parent.parent.appending("fixtures").text
    }

    /// - Parameter skipped: gets a warning for each `.yaml`/`.yml` name in a directory that is
    ///   not a file the loader reads (a FIFO, a device, a link to nothing), so none goes unsaid.
    static func specFiles(at path: String, skipped: inout [SpecDiagnostic]) -> Result<[String], SpecDiagnostic> {
        switch FileKind.of(path) {
        case .missing:
            return .failure(SpecDiagnostic(.start(of: path), "no such file or directory", hint: "pass spec files or directories holding them"))
        case .regularFile:
            return .success([path])
        case .special:
            return .failure(SpecDiagnostic(.start(of: path), "not a regular file or a directory", hint: "pass spec files or directories holding them"))
        case .directory:
            var files: [String] = []
            var visited: Set<String> = []
            collectSpecFiles(in: LexicalPath(path), into: &files, skipped: &skipped, visited: &visited)
            return .success(files.sorted())
        }
    }

    /// Every `.yaml`/`.yml` regular file under `folder`, following links to folders once each.
    private static func collectSpecFiles(
        in folder: LexicalPath, into files: inout [String], skipped: inout [SpecDiagnostic], visited: inout Set<String>
    ) {
        guard visited.insert(folder.resolved?.text ?? folder.normalized.text).inserted,
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.text)
        else { return }
        for name in names {
            let child = folder.appending(name)
            let isSpecName = name.hasSuffix(".yaml") || name.hasSuffix(".yml")
            switch FileKind.of(child.text) {
            case .directory:
                collectSpecFiles(in: child, into: &files, skipped: &skipped, visited: &visited)
            case .regularFile where isSpecName:
                files.append(child.text)
            case .special where isSpecName:
                skipped.append(SpecDiagnostic.warning(
                    .start(of: child.text), "skipped: a FIFO, device or socket, not a regular file",
                    hint: "spec files are regular files; rename or remove it to silence this"))
            case .missing where isSpecName:
                skipped.append(SpecDiagnostic.warning(
                    .start(of: child.text), "skipped: a symbolic link to nothing (or a file that vanished while the folder was read)",
                    hint: "point the link at a spec file, or remove it"))
            default:
                break
            }
        }
    }
}

/// The cases of every file that loaded, and every problem found.
public struct LoadedSuite: Sendable {
    public var files: [SpecFile] = []
    public var diagnostics: [SpecDiagnostic] = []
    /// The id of every case read, broken ones included, with the case's place: a repeated id is
    /// reported even while either case has other problems.
    var declaredIDs: [(id: String, location: SourceLocation)] = []
    /// What loading passed over without failing: a FIFO or device named `*.yaml` in a folder.
    public var warnings: [SpecDiagnostic] = []

    public var cases: [SpecCase] { files.flatMap(\.cases) }

    mutating func reportRepeatedIDs() {
        var firstUse: [String: SourceLocation] = [:]
        for (id, location) in declaredIDs {
            if let earlier = firstUse[id] {
                diagnostics.append(SpecDiagnostic(
                    location, "the id \(UserText.quoted(id)) is already used at \(earlier)",
                    hint: "ids are unique across the suite; give this case a new one (never reuse a retired id)"))
            } else {
                firstUse[id] = location
            }
        }
    }
}
