import Testing
import TinkerWire
@testable import SpecHarness
import SpecTestSupport

/// The checker judged on observations built by hand, so each rule is seen failing.
@Suite("Checking observations")
struct CaseCheckerTests {
    /// The case of `specFile()`: one regularizer `total` (sum, weight 0.5) over lp = [-1, -2].
    func exampleCase(expect: String? = nil, call: String? = nil) throws -> SpecCase {
        let workspace = try SpecWorkspace()
        var file = expect.map { specFile(expect: $0) } ?? specFile()
        if let call { file = expect.map { specFile(call: call, expect: $0) } ?? specFile(call: call) }
        try workspace.write("specs/a.yaml", file)
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        return try #require(suite.cases.first)
    }

    /// A correct run of the example case: value -3, contribution -1.5, gradient 0.5 per logprob.
    func correctObservation(of specCase: SpecCase, metrics: Metrics? = nil, weights: [Double] = [-0.5, -0.5]) -> Observation {
        let datum = specCase.input.data[0].datum
        let backward = Datum(
            modelInput: datum.modelInput,
            lossFnInputs: ["target_tokens": datum.lossFnInputs["target_tokens"]!, "weights": TensorData(floats: weights)])
        let entry: Metrics = ["value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:])]
        return Observation(
            outcome: .success(metrics: metrics ?? [
                "loss_total": .number(-1.5), "regularizers": .object(["total": .object(entry)]),
                "regularizer_total": .number(-1.5),
            ]),
            forwardRequests: [ForwardBackwardRequest(kind: .forward, lossFn: .crossEntropy, data: [datum])],
            backwardRequests: [ForwardBackwardRequest(kind: .forwardBackward, lossFn: .crossEntropy, data: [backward])])
    }

    @Test("a correct observation passes")
    func passes() throws {
        let specCase = try exampleCase()
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase)) == [])
    }

    @Test("a wrong metric is reported with its path, both values and the tolerance")
    func wrongMetric() throws {
        let specCase = try exampleCase()
        let entry: Metrics = ["value": .number(-3.1), "weight": .number(0.5), "contribution": .number(-1.55), "custom": .object([:])]
        let metrics: Metrics = [
            "loss_total": .number(-1.55), "regularizers": .object(["total": .object(entry)]), "regularizer_total": .number(-1.55),
        ]
        let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics))
        #expect(mismatches.map(\.path) == ["metrics.loss_total", "metrics.regularizers.total.value"])
        #expect(mismatches.first?.message.contains("expected -1.5 ± 1.6e-05, actual -1.55 (difference 0.05; rtol=1e-05, atol=1e-06)") == true)
    }

    @Test("a wrong contribution the case states reads once, naming the invariant it also breaks")
    func oneLinePerPath() throws {
        let specCase = try exampleCase(expect: "expect:\n      metrics: {regularizers: {total: {contribution: -1.5}}}")
        let entry: Metrics = ["value": .number(-3), "weight": .number(0.5), "contribution": .number(-3), "custom": .object([:])]
        let metrics: Metrics = ["loss_total": .number(-3), "regularizers": .object(["total": .object(entry)]), "regularizer_total": .number(-3)]
        let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics))
        #expect(mismatches.map(\.path) == ["metrics.regularizers.total.contribution"])
        let only = try #require(mismatches.first)
        #expect(only.message.hasPrefix("expected -1.5 ± 1.6e-05, actual -3.0 (difference 1.5; rtol=1e-05, atol=1e-06)"), "\(only.message)")
        #expect(only.message.contains("; also breaks contribution = weight * value"), "\(only.message)")
        #expect(only.rule == "contribution = weight * value")
        #expect(only.expected == -1.5 && only.actual == -3)
    }

    @Test("the invariants catch a contribution not multiplied by the weight")
    func contributionInvariant() throws {
        let specCase = try exampleCase(expect: "expect:\n      requests: {forward: 1, backward: 1}")
        let entry: Metrics = ["value": .number(-3), "weight": .number(0.5), "contribution": .number(-3), "custom": .object([:])]
        let metrics: Metrics = [
            "loss_total": .number(-3), "regularizers": .object(["total": .object(entry)]), "regularizer_total": .number(-3),
        ]
        let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics))
        #expect(mismatches.map(\.path) == ["metrics.regularizers.total.contribution"])
        #expect(mismatches.first?.message.contains("contribution = weight * value") == true)
    }

    @Test("the invariants catch extra keys, a missing entry and custom metrics at the top level")
    func schemaInvariants() throws {
        let specCase = try exampleCase(expect: "expect:\n      requests: {forward: 1, backward: 1}")
        let entry: Metrics = [
            "value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:]),
            "extra": .number(1),
        ]
        let metrics: Metrics = [
            "loss_total": .number(-1.5), "regularizers": .object(["total": .object(entry)]), "regularizer_total": .number(-1.5),
            "base_loss": .object(["value": .number(0), "custom": .object([:])]),
        ]
        let paths = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics)).map(\.path)
        #expect(paths == ["metrics.regularizers.total", "metrics.base_loss"])
    }

    @Test("the gradient is read from the weights sent, negated")
    func gradient() throws {
        let specCase = try exampleCase(expect: "expect:\n      gradient: [[0.5, 0.5]]")
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase)) == [])
        let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase, weights: [0.5, 0.5]))
        #expect(mismatches.map(\.path) == ["gradient[0]"])
        #expect(mismatches.first?.message.contains("mismatched elements: 2 / 2") == true)
        // The worst element as data for reports: expected 0.5, actual -weight = -0.5.
        #expect(mismatches.first?.expected == 0.5 && mismatches.first?.actual == -0.5)
        #expect(mismatches.first?.allowed.map { $0 > 0 } == true)
    }

    @Test("an infinite expected gradient matches only the same infinity, whatever the tolerance")
    func infiniteExpectedGradient() throws {
        // True gradient [0.5, 0.5]; every infinite expectation must fail it, both signs, with
        // the default and with a zero tolerance.
        for expected in ["[.inf, -.inf]", "[-.inf, .inf]", "[.inf, .inf]", "[.inf, 0.5]"] {
            for tolerance in ["", "\n      tolerance: {rtol: 0, atol: 0}"] {
                let specCase = try exampleCase(expect: "expect:\n      gradient: [\(expected)]" + tolerance)
                let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase))
                #expect(mismatches.map(\.path) == ["gradient[0]"], "\(expected)\(tolerance)")
                let message = try #require(mismatches.first?.message)
                #expect(message.contains("an infinite expectation matches only the same infinity"), "\(message)")
                #expect(!message.contains("allowed inf") && !message.contains("allowed nan"), "\(message)")
                #expect(mismatches.first?.allowed == 0)
            }
        }
    }

    @Test("an infinite expected metric fails a finite or opposite value, and never reads as allowed")
    func infiniteExpectedMetric() throws {
        let specCase = try exampleCase(expect: "expect:\n      metrics: {loss_total: .inf}")
        for actual in [-1.5, -Double.infinity] {
            let metrics: Metrics = [
                "loss_total": .number(actual), "regularizers": .object(["total": .object([
                    "value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:]),
                ])]),
                "regularizer_total": .number(-1.5),
            ]
            let mismatch = try #require(CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics)).first)
            #expect(mismatch.path == "metrics.loss_total")
            #expect(mismatch.message.hasPrefix("expected inf, actual "), "\(mismatch.message)")
            #expect(mismatch.allowed == 0 && !mismatch.message.contains("allowed"), "\(mismatch.message)")
        }
    }

    /// The example case's metrics, with `custom` as given.
    func metrics(custom: Metrics) -> Metrics {
        let entry: Metrics = ["value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object(custom)]
        return ["loss_total": .number(-1.5), "regularizers": .object(["total": .object(entry)]), "regularizer_total": .number(-1.5)]
    }

    @Test("a custom map holds exactly its fn's metrics: a leaked or a dropped key fails, whatever the case states")
    func customMapExact() throws {
        let specCase = try exampleCase(
            expect: "expect:\n      requests: {forward: 1, backward: 1}",
            call: "call:\n      regularizers:\n        - {name: total, weight: 0.5, fn: {name: sum, metrics: {mine: 2.0}}}")
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics(custom: ["mine": .number(2)]))) == [])
        let leaked = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics(custom: ["mine": .number(2), "theirs": .number(1)])))
        #expect(leaked.map(\.path) == ["metrics.regularizers.total.custom"])
        #expect(leaked.first?.message.contains("unexpected ['theirs']") == true, "\(leaked)")
        let dropped = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics(custom: [:])))
        #expect(dropped.map(\.path) == ["metrics.regularizers.total.custom"])
        #expect(dropped.first?.message.contains("missing ['mine']") == true, "\(dropped)")
    }

    @Test("an expected custom map is compared whole: an empty one fails an engine that reports a key")
    func expectedCustomMapWhole() throws {
        let specCase = try exampleCase(expect: "expect:\n      metrics: {regularizers: {total: {custom: {}}}}")
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase)) == [])
        let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: metrics(custom: ["kl": .number(1)])))
        // Broken as the case states it and as the fn's own metrics (the invariant): one line naming both.
        #expect(mismatches.map(\.path) == ["metrics.regularizers.total.custom"])
        #expect(mismatches.first?.message.contains("also breaks custom holds exactly its fn's metrics") == true, "\(mismatches)")
    }

    @Test("a reply with far more regularizer entries than the call sent fails with one short message")
    func manyEntriesShortMessage() throws {
        let specCase = try exampleCase()
        var entries: ScalarKeyedDictionary<MetricValue> = [:]
        let entry: Metrics = ["value": .number(-3), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:])]
        entries["total"] = .object(entry)
        for index in 0..<100_000 { entries["extra\(index)"] = .object(entry) }
        let reply: Metrics = ["loss_total": .number(-1.5), "regularizers": .object(Metrics(entries)), "regularizer_total": .number(-1.5)]
        let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase, metrics: reply))
        #expect(mismatches.map(\.path) == ["metrics.regularizers"])
        let message = try #require(mismatches.first?.message)
        #expect(message.contains("the engine reported 100001"))
        #expect(message.contains("and 99992 more"), "\(message)")
        #expect(message.count < 400, "\(message.count) characters")
    }

    @Test("a backward request with extra inputs breaks the linearization invariant")
    func backwardRequestShape() throws {
        let specCase = try exampleCase()
        var observation = correctObservation(of: specCase)
        observation.backwardRequests[0].data[0].lossFnInputs["ref_logprobs"] = TensorData(floats: [0, 0])
        let mismatches = CaseChecker(specCase).check(observation)
        #expect(mismatches.map(\.path) == ["requests.backward.data[0].loss_fn_inputs"])
    }

    @Test("an expected error must match kind, label and message, with no backward sent")
    func errors() throws {
        let specCase = try exampleCase(expect: "expect:\n      error: {kind: loss_fn_failed, label: total, message: \"(?i)boom\"}")
        func observe(_ error: ObservedError, backward: Int = 0) -> Observation {
            var observation = correctObservation(of: specCase)
            observation.outcome = .failure(error)
            observation.backwardRequests = Array(observation.backwardRequests.prefix(backward))
            return observation
        }
        let right = ObservedError(kind: "loss_fn_failed", label: "total", message: "total raised: BOOM", type: nil)
        #expect(CaseChecker(specCase).check(observe(right)) == [])
        #expect(CaseChecker(specCase).check(observe(right, backward: 1)).map(\.path) == ["requests.backward"])
        let wrong = ObservedError(kind: "invalid_metrics", label: "other", message: "nope", type: nil)
        #expect(CaseChecker(specCase).check(observe(wrong)).map(\.path) == ["error.kind", "error.label", "error.message"])
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase)).map(\.path) == ["error"])
    }

    @Test("request counts stated beside an error are checked")
    func errorRequestCounts() throws {
        let specCase = try exampleCase(expect: "expect:\n      error: {kind: loss_fn_failed}\n      requests: {forward: 1, backward: 0}")
        var observation = correctObservation(of: specCase)
        observation.outcome = .failure(ObservedError(kind: "loss_fn_failed", label: "total", message: "boom", type: nil))
        observation.backwardRequests = []
        #expect(CaseChecker(specCase).check(observation) == [])
        observation.forwardRequests = []
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["requests.forward"])
    }

    @Test("weights must be float32 and shaped like the targets; requests must use cross_entropy")
    func backwardWeightsShape() throws {
        let specCase = try exampleCase()
        var observation = correctObservation(of: specCase)
        observation.backwardRequests[0].data[0].lossFnInputs["weights"] = TensorData(floats: [-0.5, -0.5], shape: [2, 1])
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["requests.backward.data[0].weights"])
        observation = correctObservation(of: specCase)
        observation.backwardRequests[0].lossFn = BackendLossFunction(rawValue: "importance_sampling")
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["requests.backward.loss_fn"])
    }

    @Test("weights labelled float32 must hold float32 values; the message names tensor, index and value")
    func float32Weights() throws {
        let specCase = try exampleCase(expect: "expect:\n      gradient: [[0.5, 0.5]]")
        // What tinker 0.7.0 sends for a float64 tensor: the unrounded float64 under a float32 label.
        let unrounded = -0.5 - 0x1p-40
        let mismatches = CaseChecker(specCase).check(correctObservation(of: specCase, weights: [-0.5, unrounded]))
        #expect(mismatches.map(\.path) == ["requests.backward[0].data[0].loss_fn_inputs.weights"])
        let message = try #require(mismatches.first?.message)
        #expect(message.contains("labelled float32 but 1 of 2 values are not float32 values: [1] = -0.5000000000009095"))
        #expect(message.contains("nearest float32 -0.5"))
    }

    @Test("float inputs of every request are checked too, but not values the case itself supplied")
    func float32Inputs() throws {
        let specCase = try exampleCase()
        var observation = correctObservation(of: specCase)
        observation.forwardRequests[0].data[0].lossFnInputs["weights"] = TensorData(floats: [1.0, 0.1])
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["requests.forward[0].data[0].loss_fn_inputs.weights"])
        #expect(Float32WireCheck.check(TensorData(floats: [0.1]), suppliedByCase: TensorData(floats: [0.1]), path: "p") == nil)
        #expect(Float32WireCheck.check(TensorData(floats: [.nan, .infinity, 0.5, 1e300]), suppliedByCase: nil, path: "p")?.message.contains("[3] = 1e+300") == true)
    }

    @Test("the weights are compared with float32(-g): rounding is required, and within tolerance enough")
    func roundedGradient() throws {
        // g = 1/3: float32(-1/3) = -0.3333333432674408, off from -1/3 by 1e-8.
        let specCase = try exampleCase(expect: """
            expect:
                  gradient: [[0.3333333333333333, 0.5]]
                  tolerance: {fields: {gradient: {rtol: 0.0, atol: 0.0}}}
            """)
        let rounded = Double(Float(-1.0 / 3))
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase, weights: [rounded, -0.5])).filter { $0.path.hasPrefix("gradient") } == [])
        let unrounded = CaseChecker(specCase).check(correctObservation(of: specCase, weights: [-1.0 / 3, -0.5])).map(\.path)
        #expect(unrounded.contains("gradient[0]"))
        #expect(unrounded.contains("requests.backward[0].data[0].loss_fn_inputs.weights"))
    }

    @Test("legacy custom metrics may use structured names; unreported structured keys still fail")
    func legacyCustomNames() throws {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", specFile(
            call: "call:\n      loss_fn: {name: sum, metrics: {loss_total: 7.0, regularizers: 1.0}}",
            expect: "expect:\n      metrics: {loss_total: 7.0, regularizers: 1.0}"))
        let suite = workspace.load("specs")
        try #require(suite.diagnostics.isEmpty, "\(suite.diagnostics)")
        let specCase = try #require(suite.cases.first)
        var observation = correctObservation(of: specCase, weights: [1, 1])
        observation.outcome = .success(metrics: ["loss:sum": .number(-3), "loss_total": .number(7), "regularizers": .number(1)])
        #expect(CaseChecker(specCase).check(observation) == [])
        observation.outcome = .success(metrics: [
            "loss:sum": .number(-3), "loss_total": .number(7), "regularizers": .number(1), "regularizer_total": .number(0),
        ])
        #expect(CaseChecker(specCase).check(observation).map(\.path) == ["metrics.regularizer_total"])
    }

    @Test("an entry that is not an object, or lacks a number an invariant needs, fails instead of being skipped")
    func invariantsFailClosed() throws {
        let specCase = try exampleCase(expect: "expect:\n      requests: {forward: 1, backward: 1}")
        let numberEntry: Metrics = ["loss_total": .number(-1.5), "regularizers": .object(["total": .number(-1.5)]), "regularizer_total": .number(-1.5)]
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase, metrics: numberEntry)).map(\.path).contains("metrics.regularizers.total"))
        let entry: Metrics = ["value": .object([:]), "weight": .number(0.5), "contribution": .number(-1.5), "custom": .object([:])]
        let objectValue: Metrics = ["loss_total": .number(-1.5), "regularizers": .object(["total": .object(entry)]), "regularizer_total": .number(-1.5)]
        #expect(CaseChecker(specCase).check(correctObservation(of: specCase, metrics: objectValue)).map(\.path).contains("metrics.regularizers.total.value"))
    }
}
