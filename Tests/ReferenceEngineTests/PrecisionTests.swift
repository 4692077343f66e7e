import Foundation
import ReferenceEngine
import Testing
import SpecTestSupport
import TinkerWire
@testable import SpecHarness

/// Semantics section 10: one precision model. A resolved case holds its logprobs and float32
/// inputs rounded to float32, and every engine (in process, `regspec serve`, the Python
/// adapter) serves and computes on exactly those values.
@Suite("One precision model across engines")
struct PrecisionTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    // Values no float32 holds: each reaches the fns as its nearest float32.
    static let spec = specFile(
        data: """
            data:
                  - {tokens: [1], targets: [2], weights: [0.3], inputs: {ref_logprobs: [-0.7]}, logprobs: [-0.1]}
            """,
        call: """
            call:
                  regularizers:
                    - {name: lp, weight: 1.0, fn: sum}
                    - {name: nll, weight: 1.0, fn: weighted_nll}
                    - {name: kl, weight: 1.0, fn: {name: kl_to_reference, estimator: k1}}
            """,
        expect: """
            expect:
                  requests: {forward: 1, backward: 1}
            """)

    static let lp = Double(Float(-0.1))
    static let weight = Double(Float(0.3))
    static let reference = Double(Float(-0.7))

    static func loadCase() throws -> SpecCase {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", spec)
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        return try #require(suite.cases.first)
    }

    /// Each fn's value, computed by hand on the float32 values: a one-element sum is the
    /// logprob, the NLL is -w*lp, and k1 is lp - ref; each is exact in float64.
    static func expectExactValues(_ observation: Observation, engine: String) throws {
        guard case .success(let metrics) = observation.outcome else {
            Issue.record("\(engine) failed: \(observation.outcome)")
            return
        }
        #expect(metrics.number(at: ["regularizers", "lp", "value"]) == lp, "\(engine)")
        #expect(metrics.number(at: ["regularizers", "nll", "value"]) == -(weight * lp), "\(engine)")
        #expect(metrics.number(at: ["regularizers", "kl", "value"]) == lp - reference, "\(engine)")
    }

    @Test("resolving a case rounds its logprobs, weights and float inputs to float32")
    func resolutionRounds() throws {
        let datum = try #require(try Self.loadCase().input.data.first)
        #expect(datum.logprobs == [Self.lp])
        #expect(datum.datum.lossFnInputs["weights"]?.data == [Self.weight])
        #expect(datum.datum.lossFnInputs["ref_logprobs"]?.data == [Self.reference])
        #expect(datum.datum.lossFnInputs["target_tokens"]?.data == [2])
    }

    @Test("the in-process engine computes on the float32 values, even from an unrounded case")
    func inProcess() async throws {
        let specCase = try Self.loadCase()
        try Self.expectExactValues(await ReferenceEngine().run(specCase.input), engine: "in-process")
        try Self.expectExactValues(await ReferenceEngine().run(Self.unrounded(specCase.input)), engine: "in-process, unrounded case")
    }

    /// The case as another harness might send it, with the literals unrounded: each engine's
    /// own fake backend and datums must round them.
    static func unrounded(_ input: CaseInput) -> CaseInput {
        var unrounded = input
        unrounded.data[0].logprobs = [-0.1]
        unrounded.data[0].datum.lossFnInputs["weights"] = TensorData(floats: [0.3])
        unrounded.data[0].datum.lossFnInputs["ref_logprobs"] = TensorData(floats: [-0.7])
        return unrounded
    }

    /// The engines to compare with the in-process one: `regspec serve`, and the Python
    /// adapter with its example client when its environment is installed.
    static var processEngines: [(name: String, command: String)] {
        var engines: [(String, String)] = []
        let binary = root + "/.build/debug/regspec"
        if FileManager.default.isExecutableFile(atPath: binary) { engines.append(("regspec serve", "\(binary) serve")) }
        let venv = NSHomeDirectory() + "/.cache/regspec/python-venv"
        let python = venv + "/bin/python"
        // Only with torch and tinker installed (adapters/python/ci.sh installs them).
        let packages = (try? FileManager.default.contentsOfDirectory(atPath: venv + "/lib"))?
            .map { "\(venv)/lib/\($0)/site-packages" } ?? []
        let installed = packages.contains { site in
            ["torch", "tinker"].allSatisfy { FileManager.default.fileExists(atPath: "\(site)/\($0)") }
        }
        if FileManager.default.isExecutableFile(atPath: python), installed {
            let client = root + "/adapters/python/examples/structured_regularizers.py:StructuredTrainingClient"
            engines.append(("python adapter", "env PYTHONPATH=\(root)/adapters/python \(python) -m regspec_adapter --client \(client)"))
        }
        return engines
    }

    @Test("regspec serve and the Python adapter serve and compute exactly what the in-process engine does")
    func enginesAgree() async throws {
        let specCase = try Self.loadCase()
        let inProcess = await ReferenceEngine().run(specCase.input)
        guard case .success(let expected) = inProcess.outcome else {
            Issue.record("in-process failed")
            return
        }
        let sentWeights = inProcess.backwardRequests.first?.data.map { $0.lossFnInputs["weights"]?.data }
        for (name, command) in Self.processEngines {
            let engine = ProcessEngine(command: command, caseTimeout: .seconds(120))
            do {
                _ = try await engine.describe()
                let observation = try await engine.run(specCase.input)
                try Self.expectExactValues(observation, engine: name)
                try Self.expectExactValues(try await engine.run(Self.unrounded(specCase.input)), engine: "\(name), unrounded case")
                if case .success(let metrics) = observation.outcome {
                    for key in ["regularizers", "loss_total", "regularizer_total"] {
                        #expect(metrics[key] == expected[key], "\(name): \(key)")
                    }
                }
                #expect(observation.forwardRequests.first?.data == inProcess.forwardRequests.first?.data, "\(name): forward request")
                #expect(observation.backwardRequests.first?.data.map { $0.lossFnInputs["weights"]?.data } == sentWeights, "\(name): weights")
            } catch {
                Issue.record("\(name) could not run the case: \(error)")
            }
            await engine.shutdown()
        }
    }
}
