import Foundation

/// Turns one spec file's YAML into cases, one diagnostic per broken case so the rest still load.
struct SpecParser {
    let file: String
    let fixturesDirectory: String
    let catalogue: Catalogue

    struct Defaults {
        var tolerance = ToleranceSettings()
        var data: [CaseDatum]?
        var dataLocation: SourceLocation?
    }

    static let fileKeys = ["suite", "summary", "defaults", "cases"]
    static let caseKeys = ["id", "summary", "tags", "covers", "requires", "data", "call", "expect"]

    func parse(_ root: YAMLValue) -> (file: SpecFile?, diagnostics: [SpecDiagnostic]) {
        var diagnostics: [SpecDiagnostic] = []
        let suite: String
        let summary: String?
        let caseValues: [YAMLValue]
        var defaults = Defaults()
        do {
            let reader = try MappingReader(root, what: "a spec file", allowed: Self.fileKeys)
            suite = try reader.required("suite", in: "the spec file").string("suite")
            summary = try reader["summary"]?.string("summary")
            if let value = reader["defaults"] { defaults = try parseDefaults(value) }
            caseValues = try reader.required("cases", in: "the spec file").sequence("cases")
        } catch {
            return (nil, [error])
        }
        var cases: [SpecCase] = []
        for value in caseValues {
            do {
                cases.append(try parseCase(value, suite: suite, defaults: defaults))
            } catch {
                diagnostics.append(error)
            }
        }
        if diagnostics.isEmpty { diagnostics += uncomparedDefaultFields(defaults.tolerance, cases: cases) }
        return (SpecFile(path: file, suite: suite, summary: summary, cases: cases), diagnostics)
    }

    private func parseDefaults(_ value: YAMLValue) throws(SpecDiagnostic) -> Defaults {
        let reader = try MappingReader(value, what: "defaults", allowed: ["tolerance", "data"])
        var defaults = Defaults()
        if let tolerance = reader["tolerance"] {
            defaults.tolerance = try parseTolerance(tolerance, over: defaults.tolerance)
        }
        if let data = reader["data"] {
            defaults.data = try parseData(data)
            defaults.dataLocation = data.location
        }
        return defaults
    }

    private func parseCase(_ value: YAMLValue, suite: String, defaults: Defaults) throws(SpecDiagnostic) -> SpecCase {
        let reader = try MappingReader(value, what: "a case", allowed: Self.caseKeys)
        let idValue = try reader.required("id", in: "a case")
        let id = try idValue.string("id")
        guard id.range(of: #"^[a-z0-9][a-z0-9._/-]*$"#, options: .regularExpression) != nil else {
            throw SpecDiagnostic(
                idValue.location, "the id '\(id)' has characters ids may not use",
                hint: "use lowercase letters, digits and . _ / -, e.g. 'composition/two-sync'")
        }
        func inCase(_ diagnostic: SpecDiagnostic) -> SpecDiagnostic {
            var diagnostic = diagnostic
            diagnostic.message = "case '\(id)': " + diagnostic.message
            return diagnostic
        }
        do throws(SpecDiagnostic) {
            let summary = try reader.required("summary", in: "a case").string("summary")
            let tags = try reader["tags"]?.strings("tags") ?? []
            let covers = try parseCoverage(try reader.required("covers", in: "a case"))
            let requires = try parseRequirements(reader["requires"])
            let data: [CaseDatum]
            if let dataValue = reader["data"] {
                data = try parseData(dataValue).map(\.roundedToFloat32)
            } else if let inherited = defaults.data {
                data = inherited.map(\.roundedToFloat32)
            } else {
                throw SpecDiagnostic(value.location, "no data", hint: "add `data:` to the case or to `defaults:`")
            }
            let expectValue = try reader.required("expect", in: "a case")
            let expectsInvalidRegularizer = try expectedErrorKind(expectValue) == "invalid_regularizer"
            let call = try parseCall(
                try reader.required("call", in: "a case"), datumCount: data.count,
                malformedAllowed: expectsInvalidRegularizer)
            let (expectation, tolerance) = try parseExpectation(expectValue, data: data, call: call, inherited: defaults.tolerance)
            if case .success = expectation { try checkDataServes(call, data: data) }
            return SpecCase(
                id: id, summary: summary, tags: tags, covers: covers, suite: suite, location: value.location,
                input: CaseInput(id: id, data: data, call: call), expectation: expectation,
                tolerance: tolerance, declaredRequirements: requires)
        } catch {
            throw inCase(error)
        }
    }

    private func parseCoverage(_ value: YAMLValue) throws(SpecDiagnostic) -> Coverage {
        let reader = try MappingReader(value, what: "covers", allowed: ["checklist", "rules"])
        let checklist = try checkedIDs(reader["checklist"], what: "covers.checklist", known: CoverageItems.checklist.map(\.id))
        let rules = try checkedIDs(reader["rules"], what: "covers.rules", known: CoverageItems.rules.map(\.id))
        if checklist.isEmpty && rules.isEmpty {
            throw SpecDiagnostic(value.location, "covers names no checklist item and no rule", hint: "see docs/coverage.md for the ids")
        }
        return Coverage(checklist: checklist, rules: rules)
    }

    private func checkedIDs(_ value: YAMLValue?, what: String, known: [String]) throws(SpecDiagnostic) -> [String] {
        guard let value else { return [] }
        var ids: [String] = []
        for item in try value.sequence(what) {
            let id = try item.string("each item of \(what)")
            guard known.contains(id) else {
                throw SpecDiagnostic(
                    item.location, "unknown id '\(id)' in \(what)\(DidYouMean.phrase(for: id, among: known))",
                    hint: "the ids are listed in docs/coverage.md")
            }
            ids.append(id)
        }
        return ids
    }

    private func parseRequirements(_ value: YAMLValue?) throws(SpecDiagnostic) -> Set<String> {
        guard let value else { return [] }
        var requirements: Set<String> = []
        for item in try value.sequence("requires") {
            let name = try item.string("each item of requires")
            guard Capability.all.contains(name) else {
                throw SpecDiagnostic(
                    item.location, "unknown capability '\(name)'\(DidYouMean.phrase(for: name, among: Capability.all))",
                    hint: "capabilities: \(Capability.all.joined(separator: ", "))")
            }
            requirements.insert(name)
        }
        return requirements
    }

    /// The error kind a case expects, read early because it decides whether malformed regularizers are allowed.
    private func expectedErrorKind(_ expect: YAMLValue) throws(SpecDiagnostic) -> String? {
        let reader = try MappingReader(expect, what: "expect", allowed: nil)
        guard let error = reader["error"] else { return nil }
        return try MappingReader(error, what: "expect.error", allowed: nil)["kind"]?.string("expect.error.kind")
    }
}
