import Testing
import TinkerWire
@testable import TrainingClient

/// A well-formed fn for typed regularizers.
private let sumFn = syncFn { $0[0].sum() }

/// Typed regularizers are checked without being written as dictionaries; every call must
/// still fail exactly as its dictionary form does.
@Suite("Typed validation")
struct TypedValidationTests {
    /// Calls each typed, then as dictionaries, and returns both errors.
    private func errors(
        _ data: [Datum], lossFn: LossFunction?, _ regularizers: [Regularizer]
    ) async throws -> (typed: CustomLossError, dictionary: CustomLossError) {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let typed = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(data, lossFn: lossFn, regularizers: regularizers)
        }
        let dictionary = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                data, lossFn: lossFn, regularizerArguments: regularizers.map(\.arguments))
        }
        #expect(await harness.sawNoRequest)
        return (typed, dictionary)
    }

    @Test("Each failing typed call reports the dictionary form's error, kind and message",
          arguments: [
            [Regularizer(name: "", weight: 1, fn: sumFn)],
            [Regularizer(name: "a", weight: 1, fn: sumFn), Regularizer(name: "", weight: .nan, fn: sumFn)],
            [Regularizer(name: "l2", weight: 1, fn: sumFn), Regularizer(name: "l2", weight: .nan, fn: sumFn)],
            [Regularizer(name: "café", weight: 1, fn: sumFn), Regularizer(name: "café", weight: 2, fn: sumFn)],
            [Regularizer(name: "r", weight: .nan, fn: sumFn)],
            [Regularizer(name: "r", weight: .infinity, fn: sumFn)],
            [Regularizer(name: "ok", weight: 0, fn: sumFn), Regularizer(name: "r", weight: -.infinity, fn: sumFn)],
          ])
    func invalidRegularizerMatchesDictionaryForm(_ regularizers: [Regularizer]) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let (typed, dictionary) = try await errors(harness.data, lossFn: sumFn, regularizers)
        #expect(typed.kind == .invalidRegularizer)
        #expect(typed == dictionary)
    }

    @Test("Names differing only in Unicode form are distinct, as in the dictionary form")
    func namesAreComparedAsScalars() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: sumFn,
            regularizers: [Regularizer(name: "café", weight: 1, fn: sumFn), Regularizer(name: "cafe\u{301}", weight: 1, fn: sumFn)])
        #expect(try result.metrics.requireNumber("regularizers", "café", "weight") == 1)
        #expect(try result.metrics.requireNumber("regularizers", "cafe\u{301}", "weight") == 1)
    }

    @Test("missing_loss, then invalid_regularizer, then empty_data, then missing_target_tokens, as in the dictionary form")
    func callLevelChecksMatchDictionaryForm() async throws {
        let noTargets = [makeDatumWithoutTargets(input: [1])]
        let bad = [Regularizer(name: "", weight: 1, fn: sumFn)]
        let good = [Regularizer(name: "r", weight: 1, fn: sumFn)]
        let calls: [([Datum], LossFunction?, [Regularizer], CustomLossErrorKind)] = [
            ([], nil, [], .missingLoss), (noTargets, nil, [], .missingLoss),
            ([], sumFn, bad, .invalidRegularizer), (noTargets, sumFn, bad, .invalidRegularizer),
            ([], sumFn, good, .emptyData), ([], sumFn, [], .emptyData),
            (noTargets, sumFn, good, .missingTargetTokens), (noTargets, nil, good, .missingTargetTokens),
        ]
        for (data, lossFn, regularizers, kind) in calls {
            let (typed, dictionary) = try await errors(data, lossFn: lossFn, regularizers)
            #expect(typed.kind == kind)
            #expect(typed == dictionary)
        }
    }
}
