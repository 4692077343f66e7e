#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

    /// What the file's cases declare, broken ones included, for checks across cases: a repeated
    /// id is found even when both cases have other problems, and a default tolerance field is
    /// judged against every expectation that could be read.
    struct CaseScan {
        /// Each case's id that reads as one, with the case's place.
        var ids: [(id: String, location: SourceLocation)] = []
        /// The fields compared by every expectation that could be read.
        var comparedFields: [FieldPath] = []
        /// Some case's expectation could not be read, so what it compares is unknown.
        var unreadExpectation = false
    }

    static let fileKeys = ["suite", "summary", "defaults", "cases"]
    /// What a case id may be, in ICU's syntax (so `$` also matches before a final newline, as it always has).
    static let idPattern = try? BoundedRegex(#"^[a-z0-9][a-z0-9._/-]*$"#)
    static let caseKeys = ["id", "summary", "tags", "covers", "requires", "data", "call", "expect"]

    /// Every problem in the file, each case checked on its own so one broken case hides nothing in the others.
    func parse(_ root: YAMLValue) -> (file: SpecFile?, diagnostics: [SpecDiagnostic], ids: [(id: String, location: SourceLocation)]) {
        let log = DiagnosticLog()
        let (file, scan) = DiagnosticLog.$current.withValue(log) { parseFile(root, log: log) }
        return (file, log.diagnostics, scan.ids)
    }

    /// Runs `body`; a problem it throws is reported to the current log and gives nil, so the
    /// parts after it are still read (without a log, the problem is thrown).
    func collecting<T>(_ body: () throws(SpecDiagnostic) -> T) throws(SpecDiagnostic) -> T? {
        do { return try body() } catch {
            try DiagnosticLog.reportOrThrow(error)
            return nil
        }
    }

    private func parseFile(_ root: YAMLValue, log: DiagnosticLog) -> (SpecFile?, CaseScan) {
        var scan = CaseScan()
        let reader: MappingReader
        do {
            reader = try MappingReader(root, what: "a spec file", allowed: Self.fileKeys)
        } catch {
            log.report(error)
            return (nil, scan)
        }
        func attempt<T>(_ body: () throws(SpecDiagnostic) -> T) -> T? {
            do { return try body() } catch {
                log.report(error)
                return nil
            }
        }
        var defaults = Defaults()
        if let value = reader["defaults"] { defaults = parseDefaults(value, log: log) }
        // A missing suite or summary hides nothing in the cases.
        let suite = attempt { () throws(SpecDiagnostic) in try reader.required("suite", in: "the spec file").string("suite") }
        let summary = attempt { () throws(SpecDiagnostic) in try reader["summary"]?.string("summary") } ?? nil
        guard let caseValues = attempt({ () throws(SpecDiagnostic) in try reader.required("cases", in: "the spec file").sequence("cases") }) else {
            return (nil, scan)
        }
        var cases: [SpecCase] = []
        for value in caseValues {
            if let parsed = parseCase(value, suite: suite ?? "", defaults: defaults, log: log, scan: &scan) { cases.append(parsed) }
        }
        if !scan.unreadExpectation {
            for diagnostic in uncomparedDefaultFields(defaults.tolerance, compared: scan.comparedFields) { log.report(diagnostic) }
        }
        guard let suite else { return (nil, scan) }
        return (SpecFile(path: file, suite: suite, summary: summary, cases: cases), scan)
    }

    /// The defaults, each part read on its own; a part with a problem is reported and left out.
    private func parseDefaults(_ value: YAMLValue, log: DiagnosticLog) -> Defaults {
        var defaults = Defaults()
        let reader: MappingReader
        do {
            reader = try MappingReader(value, what: "defaults", allowed: ["tolerance", "data"])
        } catch {
            log.report(error)
            defaults.failed = true
            return defaults
        }
        if let tolerance = reader["tolerance"] {
            // parseTolerance reports each problem of its own and keeps the settings that read.
            do { defaults.tolerance = try parseTolerance(tolerance, over: defaults.tolerance) } catch { log.report(error) }
        }
        if let data = reader["data"] {
            do {
                defaults.data = try parseData(data)
                defaults.dataLocation = data.location
            } catch {
                log.report(error)
                defaults.failed = true
            }
        }
        return defaults
    }

    /// The case, or nil after reporting every problem found in it.
    ///
    /// Each part (summary, covers, data, call, expect) is read on its own, so a problem in one
    /// does not hide those in the others; parts that depend on a broken one are not read.
    private func parseCase(_ value: YAMLValue, suite: String, defaults: Defaults, log: DiagnosticLog, scan: inout CaseScan) -> SpecCase? {
        let caseLog = DiagnosticLog()
        var caseID: String?
        var readID: String?
        var compared: [FieldPath]?
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
                guard Self.idPattern?.firstMatch(in: Array(id.unicodeScalars), deadline: .now + MessagePattern.defaultBudget) == .matched else {
                    throw SpecDiagnostic(
                        idValue.location, "the id \(UserText.quoted(id)) has characters ids may not use",
                        hint: "use lowercase letters, digits and . _ / -, e.g. 'composition/two-sync'")
                }
                return id
            }
            if let id { readID = id }
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
                let problemsBefore = caseLog.count
                expected = attempt { () throws(SpecDiagnostic) in
                    try parseExpectation(expectValue, data: data, call: call, inherited: defaults.tolerance)
                }
                // An expectation read with problems may lack parts, so what it compares stays unknown.
                if let expected, caseLog.count == problemsBefore {
                    if case .success(let success) = expected.0 { compared = success.comparedFields.map(\.path) } else { compared = [] }
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
        if let readID { scan.ids.append((readID, value.location)) }
        if let compared { scan.comparedFields += compared } else { scan.unreadExpectation = true }
        // In the order of the file, as a compiler lists them.
        func place(_ item: (offset: Int, element: SpecDiagnostic)) -> (Int, Int, Int, Int) {
            (item.element.location.file == file ? 0 : 1, item.element.location.line, item.element.location.column, item.offset)
        }
        let ordered = caseLog.diagnostics.enumerated().sorted { place($0) < place($1) }
        for (index, diagnostic) in ordered {
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

    private func parseRequirements(_ value: YAMLValue?) throws(SpecDiagnostic) -> Set<Capability> {
        guard let value else { return [] }
        var requirements: Set<Capability> = []
        for item in try value.sequence("requires") {
            let name = try item.string("each item of requires")
            guard let capability = Capability.registered(name) else {
                throw SpecDiagnostic(
                    item.location, "unknown capability \(UserText.quoted(name))\(DidYouMean.phrase(for: name, among: Capability.names))",
                    hint: "capabilities: \(Capability.names.joined(separator: ", "))")
            }
            requirements.insert(capability)
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
