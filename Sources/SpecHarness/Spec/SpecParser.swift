import Foundation

/// Turns one spec file's YAML into cases, one diagnostic per broken case so the rest still load.
struct SpecParser {
    let file: String
    let fixturesDirectory: String
    let catalogue: Catalogue
    var limits = SpecLoader.Limits()
    /// The fixture files being loaded, outermost first, to name a cycle instead of recursing into it.
    var fixtureChain: [FixtureLink] = []

    struct Defaults {
        var tolerance = ToleranceSettings()
        var data: [CaseDatum]?
        var dataLocation: SourceLocation?
        /// `defaults:` had a problem, already reported; cases without data of their own say nothing more.
        var failed = false
    }

    static let fileKeys = ["suite", "summary", "defaults", "cases"]
    static let caseKeys = ["id", "summary", "tags", "covers", "requires", "data", "call", "expect"]

    /// Every problem in the file, each case checked on its own so one broken case hides nothing in the others.
    func parse(_ root: YAMLValue) -> (file: SpecFile?, diagnostics: [SpecDiagnostic]) {
        let log = DiagnosticLog()
        let file = DiagnosticLog.$current.withValue(log) { parseFile(root, log: log) }
        return (file, log.diagnostics)
    }

    private func parseFile(_ root: YAMLValue, log: DiagnosticLog) -> SpecFile? {
        let suite: String
        let summary: String?
        let caseValues: [YAMLValue]
        var defaults = Defaults()
        do {
            let reader = try MappingReader(root, what: "a spec file", allowed: Self.fileKeys)
            if let value = reader["defaults"] {
                do {
                    defaults = try parseDefaults(value)
                } catch {
                    log.report(error)
                    defaults.failed = true
                }
            }
            suite = try reader.required("suite", in: "the spec file").string("suite")
            summary = try reader["summary"]?.string("summary")
            caseValues = try reader.required("cases", in: "the spec file").sequence("cases")
        } catch {
            log.report(error)
            return nil
        }
        var cases: [SpecCase] = []
        for value in caseValues {
            if let parsed = parseCase(value, suite: suite, defaults: defaults, log: log) { cases.append(parsed) }
        }
        if log.count == 0 {
            for diagnostic in uncomparedDefaultFields(defaults.tolerance, cases: cases) { log.report(diagnostic) }
        }
        return SpecFile(path: file, suite: suite, summary: summary, cases: cases)
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

    /// The case, or nil after reporting every problem found in it.
    ///
    /// Each part (summary, covers, data, call, expect) is read on its own, so a problem in one
    /// does not hide those in the others; parts that depend on a broken one are not read.
    private func parseCase(_ value: YAMLValue, suite: String, defaults: Defaults, log: DiagnosticLog) -> SpecCase? {
        let caseLog = DiagnosticLog()
        var caseID: String?
        var unprefixed = 0
        let parsed = DiagnosticLog.$current.withValue(caseLog) { () -> SpecCase? in
            func attempt<T>(_ body: () throws(SpecDiagnostic) -> T) -> T? {
                do { return try body() } catch {
                    caseLog.report(error)
                    return nil
                }
            }
            guard let reader = attempt({ () throws(SpecDiagnostic) in try MappingReader(value, what: "a case", allowed: Self.caseKeys) }) else {
                return nil
            }
            let id = attempt { () throws(SpecDiagnostic) -> String in
                let idValue = try reader.required("id", in: "a case")
                let id = try idValue.string("id")
                caseID = id
                guard id.range(of: #"^[a-z0-9][a-z0-9._/-]*$"#, options: .regularExpression) != nil else {
                    throw SpecDiagnostic(
                        idValue.location, "the id \(UserText.quoted(id)) has characters ids may not use",
                        hint: "use lowercase letters, digits and . _ / -, e.g. 'composition/two-sync'")
                }
                return id
            }
            // Problems with the case's own keys and its id name the case by their place, as they always have.
            unprefixed = caseLog.count
            let summary = attempt { () throws(SpecDiagnostic) in try reader.required("summary", in: "a case").string("summary") }
            let tags = attempt { () throws(SpecDiagnostic) in try reader["tags"]?.strings("tags") ?? [] }
            let covers = attempt { () throws(SpecDiagnostic) in try parseCoverage(try reader.required("covers", in: "a case")) }
            let requires = attempt { () throws(SpecDiagnostic) in try parseRequirements(reader["requires"]) }
            // Resolved cases hold float32 inputs (semantics section 10): every engine is served these.
            let data = attempt { () throws(SpecDiagnostic) -> [CaseDatum]? in
                if let dataValue = reader["data"] { return try parseData(dataValue).map(\.roundedToFloat32) }
                if let inherited = defaults.data { return inherited.map(\.roundedToFloat32) }
                if defaults.failed { return nil }
                throw SpecDiagnostic(value.location, "no data", hint: "add `data:` to the case or to `defaults:`")
            } ?? nil
            let expectValue = attempt { () throws(SpecDiagnostic) in try reader.required("expect", in: "a case") }
            let expectsInvalidRegularizer = expectValue.flatMap { expect in
                attempt { () throws(SpecDiagnostic) in try expectedErrorKind(expect) == "invalid_regularizer" }
            }
            let call = attempt { () throws(SpecDiagnostic) in
                try parseCall(
                    try reader.required("call", in: "a case"), datumCount: data?.count ?? Int.max,
                    malformedAllowed: expectsInvalidRegularizer ?? false)
            }
            var expected: (Expectation, ToleranceSettings)?
            if let expectValue, let data {
                expected = attempt { () throws(SpecDiagnostic) in
                    try parseExpectation(expectValue, data: data, call: call, inherited: defaults.tolerance)
                }
                if case .success? = expected?.0, let call {
                    attempt { () throws(SpecDiagnostic) in try checkDataServes(call, data: data) }
                }
            } else if let expectValue {
                // Without the data the expectation cannot be checked; its keys still can.
                _ = try? MappingReader(expectValue, what: "expect", allowed: Self.expectKeys)
            }
            guard caseLog.count == 0, let id, let summary, let tags, let covers, let requires, let data, let call,
                let expected
            else { return nil }
            let (expectation, tolerance) = expected
            return SpecCase(
                id: id, summary: summary, tags: tags, covers: covers, suite: suite, location: value.location,
                input: CaseInput(id: id, data: data, call: call), expectation: expectation,
                tolerance: tolerance, declaredRequirements: requires)
        }
        for (index, diagnostic) in caseLog.diagnostics.enumerated() {
            var diagnostic = diagnostic
            if let caseID, index >= unprefixed { diagnostic.message = "case \(UserText.quoted(caseID)): " + diagnostic.message }
            log.report(diagnostic)
        }
        return parsed
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
                    item.location, "unknown id \(UserText.quoted(id)) in \(what)\(DidYouMean.phrase(for: id, among: known))",
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
                    item.location, "unknown capability \(UserText.quoted(name))\(DidYouMean.phrase(for: name, among: Capability.all))",
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
