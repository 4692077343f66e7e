import Foundation
import Testing
import SpecTestSupport
@testable import SpecHarness

/// `docs/schema/spec.schema.json` and `regspec validate` judge the same snippets alike, so an
/// editor's schema check never passes what the loader rejects, or the other way round.
///
/// Only rules the schema can express are in the set: checks that need the case's meaning
/// (catalogue parameters, datum counts, paths that name nothing the case compares) are the
/// loader's alone and have their own tests.
@Suite("Schema and validate agree", .enabled(if: PythonSchemaCheck.available, PythonSchemaCheck.skipReason))
struct SchemaAgreementTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A case with a regularizer named `a.b`, and the parts each snippet replaces.
    static func snippet(call: String? = nil, expect: String? = nil, extraCaseKey: String = "") -> String {
        """
        suite: agreement
        cases:
          - id: agreement/case
            summary: one case
            covers: {rules: [composition.contribution]}\(extraCaseKey)
            data:
              - {tokens: [1, 2], targets: [2, 3], logprobs: [-1.0, -2.0]}
            call:
        \(call ?? "      regularizers:\n        - {name: a.b, weight: 0.5, fn: sum}")
            expect:
        \(expect ?? "      metrics: {loss_total: -1.5}\n      gradient: [[0.5, 0.5]]")

        """
    }

    /// Each snippet with whether it is a valid spec file.
    static let snippets: [(name: String, text: String, valid: Bool)] = [
        ("the base case", snippet(), true),
        ("absent, escaped dot", snippet(expect: "      absent: [regularizers.a\\.b.grad_norm]"), true),
        ("absent, list of keys", snippet(expect: "      absent: [[regularizers, a.b, grad_norm], base_loss]"), true),
        ("absent, leading dot", snippet(expect: "      absent: [.base_loss]"), false),
        ("absent, doubled dot", snippet(expect: "      absent: [base_loss..value]"), false),
        ("absent, trailing dot", snippet(expect: "      absent: [base_loss.]"), false),
        ("absent, unknown escape", snippet(expect: "      absent: [a\\x]"), false),
        ("absent, empty list of keys", snippet(expect: "      absent: [[]]"), false),
        ("absent, a number", snippet(expect: "      absent: [3]"), false),
        ("tolerance field gradient", snippet(expect: "      gradient: [[0.5, 0.5]]\n      tolerance: {fields: {gradient: {rtol: 0.0}}}"), true),
        ("tolerance field with an escape", snippet(expect: "      metrics: {regularizers: {a.b: {value: -3.0}}}\n      tolerance: {fields: {metrics.regularizers.a\\.b.value: {atol: 0.0}}}"), true),
        ("tolerance field gradients", snippet(expect: "      gradient: [[0.5, 0.5]]\n      tolerance: {fields: {gradients: {rtol: 0.0}}}"), false),
        ("tolerance field metricsX", snippet(expect: "      metrics: {loss_total: -1.5}\n      tolerance: {fields: {metricsX: {rtol: 0.0}}}"), false),
        ("tolerance field with an empty key", snippet(expect: "      metrics: {loss_total: -1.5}\n      tolerance: {fields: {metrics..loss_total: {rtol: 0.0}}}"), false),
        ("negative rtol", snippet(expect: "      metrics: {loss_total: -1.5}\n      tolerance: {rtol: -1.0}"), false),
        ("datums selects one", snippet(call: "      regularizers:\n        - {name: a, weight: 0.5, fn: {name: sum, datums: [0]}}"), true),
        ("datums: []", snippet(call: "      regularizers:\n        - {name: a, weight: 0.5, fn: {name: sum, datums: []}}"), false),
        ("datums: [-1]", snippet(call: "      regularizers:\n        - {name: a, weight: 0.5, fn: {name: sum, datums: [-1]}}"), false),
        ("a weight that is a string", snippet(call: "      regularizers:\n        - {name: a, weight: heavy, fn: sum}"), false),
        ("an unknown case key", snippet(extraCaseKey: "\n    sumary: typo"), false),
        ("expect states nothing", snippet(expect: "      {}"), false),
        ("an error with neither kind nor message", snippet(expect: "      error: {}"), false),
        ("an unknown error kind", snippet(expect: "      error: {kind: oops}"), false),
        ("error beside metrics", snippet(expect: "      error: {kind: loss_fn_failed}\n      metrics: {loss_total: 1.0}"), false),
        ("requests with negative counts", snippet(expect: "      requests: {forward: -1, backward: 0}"), false),
        ("requests without backward", snippet(expect: "      requests: {forward: 1}"), false),
        ("requests with both counts", snippet(expect: "      requests: {forward: 1, backward: 1}"), true),
        ("a boolean metric", snippet(expect: "      metrics: {loss_total: true}"), false),
        ("regularizers: null beside a loss_fn", snippet(call: "      loss_fn: sum\n      regularizers: null"), true),
        ("a misspelt key of an expected regularizer entry", snippet(expect: "      metrics: {regularizers: {a.b: {valeu: -3.0}}}"), false),
        ("a misspelt key of base_loss", snippet(expect: "      metrics: {base_loss: {vlaue: -3.0}}"), false),
        ("expected entry keys spelt right", snippet(expect: "      metrics: {regularizers: {a.b: {value: -3.0, custom: {acc: 1.0}}}}"), true),
        ("telemetry stated", snippet(expect: "      telemetry:\n        - {event: call_started, mode: structured, fn_count: 1}\n        - {event: fn_stopped, label: a.b, value: -3.0, contribution: null}"), true),
        ("telemetry: no event", snippet(expect: "      telemetry: []"), true),
        ("telemetry beside an error", snippet(expect: "      error: {kind: loss_fn_failed}\n      telemetry: [{event: call_failed, kind: loss_fn_failed, label: a.b}]"), true),
        ("telemetry with a duration", snippet(expect: "      telemetry: [{event: call_stopped, duration: 0.1}]"), false),
        ("an unknown telemetry event", snippet(expect: "      telemetry: [{event: call_begun}]"), false),
        ("a telemetry event without its name", snippet(expect: "      telemetry: [{label: a}]"), false),
        ("a telemetry mode that is neither", snippet(expect: "      telemetry: [{event: call_started, mode: batch}]"), false),
        ("a telemetry field of another event", snippet(expect: "      telemetry: [{event: fn_started, value: 1.0}]"), false),
    ]

    @Test("every snippet gets the same verdict from the schema and from validate, and the intended one")
    func agreement() throws {
        let workspace = try SpecWorkspace()
        var files: [String] = []
        for (index, snippet) in Self.snippets.enumerated() {
            files.append(try workspace.write("specs/s\(index).yaml", snippet.text))
        }
        let script = """
            import json, sys, jsonschema, yaml
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.Draft202012Validator(schema)
            for path in sys.argv[2:]:
                try:
                    errors = [e.message for e in validator.iter_errors(yaml.safe_load(open(path)))]
                except yaml.YAMLError as error:
                    errors = [str(error)]
                print(json.dumps({"file": path, "errors": errors}))
            """
        let schema = Self.packageRoot + "/docs/schema/spec.schema.json"
        let output = try PythonSchemaCheck.run(["-c", script, schema] + files)
        try #require(output.status == 0, "the schema check did not run")
        var schemaErrors: [String: [String]] = [:]
        for line in output.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let file = try #require(object["file"] as? String)
            schemaErrors[file] = object["errors"] as? [String] ?? []
        }
        for (snippet, file) in zip(Self.snippets, files) {
            let loaded = SpecLoader().load(paths: [file])
            let validateAccepts = loaded.diagnostics.isEmpty
            let schemaAccepts = try #require(schemaErrors[file]).isEmpty
            #expect(
                validateAccepts == schemaAccepts,
                "\(snippet.name): validate \(validateAccepts ? "accepts" : "rejects") (\(loaded.diagnostics.map(\.message))), the schema \(schemaAccepts ? "accepts" : "rejects") (\(schemaErrors[file] ?? []))")
            #expect(validateAccepts == snippet.valid, "\(snippet.name): validate \(loaded.diagnostics.map(\.message))")
            #expect(schemaAccepts == snippet.valid, "\(snippet.name): schema \(schemaErrors[file] ?? [])")
        }
    }
}

/// python3 with jsonschema and PyYAML, which the schema comparison needs.
enum PythonSchemaCheck {
    static let skipReason: Comment =
        "SKIPPED LOUDLY: python3 with jsonschema and PyYAML is needed to compare the schema with validate (pip install jsonschema pyyaml)"

    /// Whether `python3` can import jsonschema and yaml.
    static let available: Bool = {
        (try? run(["-c", "import jsonschema, yaml"]).status) == 0
    }()

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
