import Foundation

/// Loads spec files and directories of them into one suite, with every problem found.
public struct SpecLoader: Sendable {
    /// Where `data: {fixture: ...}` paths start; by default the `fixtures/` folder beside a spec file's folder.
    public var fixturesDirectory: String?
    public var catalogue: Catalogue

    public init(fixturesDirectory: String? = nil, catalogue: Catalogue = .standard) {
        self.fixturesDirectory = fixturesDirectory
        self.catalogue = catalogue
    }

    /// Loads every `.yaml`/`.yml` file under `paths` (files or directories), in path order.
    public func load(paths: [String]) -> LoadedSuite {
        var suite = LoadedSuite()
        for path in paths {
            switch Self.specFiles(at: path) {
            case .success(let files):
                for file in files { load(file: file, into: &suite) }
            case .failure(let diagnostic):
                suite.diagnostics.append(diagnostic)
            }
        }
        var firstUse: [String: SourceLocation] = [:]
        for specCase in suite.cases {
            if let earlier = firstUse[specCase.id] {
                suite.diagnostics.append(SpecDiagnostic(
                    specCase.location, "the id '\(specCase.id)' is already used at \(earlier)",
                    hint: "ids are unique across the suite; give this case a new one (never reuse a retired id)"))
            } else {
                firstUse[specCase.id] = specCase.location
            }
        }
        return suite
    }

    private func load(file: String, into suite: inout LoadedSuite) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            suite.diagnostics.append(SpecDiagnostic(.start(of: file), "cannot read the file as UTF-8 text"))
            return
        }
        let root: YAMLValue
        do {
            root = try YAMLValue.parse(text, file: file)
        } catch {
            suite.diagnostics.append(error)
            return
        }
        let fixtures = fixturesDirectory ?? Self.defaultFixturesDirectory(for: file)
        let parsed = SpecParser(file: file, fixturesDirectory: fixtures, catalogue: catalogue).parse(root)
        suite.diagnostics += parsed.diagnostics
        if let specFile = parsed.file { suite.files.append(specFile) }
    }

    static func defaultFixturesDirectory(for file: String) -> String {
        let specsFolder = (file as NSString).deletingLastPathComponent
        let parent = (specsFolder as NSString).deletingLastPathComponent
        return (parent.isEmpty ? "fixtures" : (parent as NSString).appendingPathComponent("fixtures"))
    }

    static func specFiles(at path: String) -> Result<[String], SpecDiagnostic> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(SpecDiagnostic(.start(of: path), "no such file or directory", hint: "pass spec files or directories holding them"))
        }
        guard isDirectory.boolValue else { return .success([path]) }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var files: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
                files.append((path as NSString).appendingPathComponent(relative))
            }
        }
        return .success(files.sorted())
    }
}

/// The cases of every file that loaded, and every problem found.
public struct LoadedSuite: Sendable {
    public var files: [SpecFile] = []
    public var diagnostics: [SpecDiagnostic] = []

    public var cases: [SpecCase] { files.flatMap(\.cases) }
}
