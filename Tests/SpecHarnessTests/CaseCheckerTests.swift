import Testing
import TrainingClient
@testable import SpecHarness

/// The checker judged on observations built by hand, so each rule is seen failing.
@Suite("Checking observations")
struct CaseCheckerTests {
    /// The case of `specFile()`: one regularizer `total` (sum, weight 0.5) over lp = [-1, -2].
    func exampleCase(expect: String? = nil) throws -> SpecCase {
        let workspace = try SpecWorkspace()
        try workspace.write("specs/a.yaml", expect.map { specFile(expect: $0) } ?? specFile())
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
        #expect(mismatches.first?.message.contains("expected -1.5, actual -1.55") == true)
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
}
