import Autodiff
import Testing
@testable import TrainingClient

/// A well-formed fn to put in regularizer dictionaries.
private let sumFn = syncFn { $0[0].sum() }

/// One malformed `regularizers` list and what its `invalid_regularizer` message must name.
struct InvalidRegularizerCase: Sendable, CustomTestStringConvertible {
    let title: String
    let entries: [RegularizerArguments]
    /// The index of the entry at fault.
    let index: Int
    /// The entry's name, when it has a usable one.
    let name: String?
    /// A word saying what is wrong (the key at fault).
    let problem: String

    var testDescription: String { title }

    static let all: [InvalidRegularizerCase] = [
        .init(title: "name missing", entries: [["weight": .number(1), "fn": .function(sumFn)]],
              index: 0, name: nil, problem: "name"),
        .init(title: "name an integer", entries: [["name": .integer(3), "weight": .number(1), "fn": .function(sumFn)]],
              index: 0, name: nil, problem: "name"),
        .init(title: "name None", entries: [["name": .none, "weight": .number(1), "fn": .function(sumFn)]],
              index: 0, name: nil, problem: "name"),
        .init(title: "name empty", entries: [["name": .string(""), "weight": .number(1), "fn": .function(sumFn)]],
              index: 0, name: nil, problem: "name"),
        .init(
            title: "name repeated",
            entries: [
                ["name": .string("l2"), "weight": .number(1), "fn": .function(sumFn)],
                ["name": .string("l2"), "weight": .number(2), "fn": .function(sumFn)],
            ],
            index: 1, name: "l2", problem: "name"),
        .init(title: "weight missing", entries: [["name": .string("r"), "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "weight a bool", entries: [["name": .string("r"), "weight": .bool(true), "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "weight NaN", entries: [["name": .string("r"), "weight": .number(.nan), "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "weight +infinity", entries: [["name": .string("r"), "weight": .number(.infinity), "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "weight -infinity", entries: [["name": .string("r"), "weight": .number(-.infinity), "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "weight a string", entries: [["name": .string("r"), "weight": .string("0.1"), "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "weight None", entries: [["name": .string("r"), "weight": .none, "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "weight a list", entries: [["name": .string("r"), "weight": .list([.number(1)]), "fn": .function(sumFn)]],
              index: 0, name: "r", problem: "weight"),
        .init(title: "fn missing", entries: [["name": .string("r"), "weight": .number(1)]],
              index: 0, name: "r", problem: "fn"),
        .init(title: "fn a string", entries: [["name": .string("r"), "weight": .number(1), "fn": .string("my_loss")]],
              index: 0, name: "r", problem: "fn"),
        .init(title: "fn a number", entries: [["name": .string("r"), "weight": .number(1), "fn": .number(1)]],
              index: 0, name: "r", problem: "fn"),
        .init(title: "fn None", entries: [["name": .string("r"), "weight": .number(1), "fn": .none]],
              index: 0, name: "r", problem: "fn"),
        .init(
            title: "unknown key",
            entries: [["name": .string("r"), "weight": .number(1), "fn": .function(sumFn), "scale": .number(2)]],
            index: 0, name: "r", problem: "scale"),
        .init(
            title: "a malformed entry after a valid one",
            entries: [
                ["name": .string("first"), "weight": .number(1), "fn": .function(sumFn)],
                ["name": .string("second"), "weight": .string("heavy"), "fn": .function(sumFn)],
            ],
            index: 1, name: "second", problem: "weight"),
    ]
}

/// Semantics section 2: checks before any backend request, in a fixed order.
@Suite("Validation")
struct ValidationTests {
    @Test("Every malformed regularizer entry is invalid_regularizer naming index, name and problem",
          arguments: InvalidRegularizerCase.all)
    func malformedEntryIsInvalidRegularizer(_ testCase: InvalidRegularizerCase) async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, lossFn: sumFn, regularizerArguments: testCase.entries)
        }
        #expect(error.kind == .invalidRegularizer)
        #expect(error.message.contains(try Regex("\\b\(testCase.index)\\b")), "index missing: \(error.message)")
        if let name = testCase.name {
            #expect(error.message.contains("'\(name)'") || error.message.contains("\"\(name)\""),
                    "name missing: \(error.message)")
        }
        #expect(error.message.contains(testCase.problem), "problem not named: \(error.message)")
        #expect(await harness.sawNoRequest)
    }

    @Test("The future form reports the same invalid_regularizer")
    func futureFormValidatesToo() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let future = harness.client.forwardBackwardCustomFuture(
            harness.data, regularizerArguments: [["name": .string("r"), "weight": .bool(false), "fn": .function(sumFn)]])
        let error = try await #require(throws: CustomLossError.self) { try await future.result() }
        #expect(error.kind == .invalidRegularizer)
        #expect(await harness.sawNoRequest)
    }

    @Test("Negative weights are allowed and echoed")
    func negativeWeightIsAllowed() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizerArguments: [["name": .string("bonus"), "weight": .number(-0.25), "fn": .function(sumFn)]])
        // value = -3, contribution = -0.25 * -3 = 0.75
        #expect(try result.metrics.requireNumber("regularizers", "bonus", "weight") == -0.25)
        #expect(try result.metrics.requireNumber("regularizers", "bonus", "contribution") == 0.75)
    }

    @Test("An integer weight is accepted as a real number")
    func integerWeightIsAccepted() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data,
            regularizerArguments: [
                ["name": .string("twice"), "weight": .integer(2), "fn": .function(sumFn)],
                ["name": .string("off"), "weight": .integer(0), "fn": .function(sumFn)],
            ])
        // value = -3; contributions 2 * -3 = -6 and exactly 0
        #expect(try result.metrics.requireNumber("regularizers", "twice", "weight") == 2)
        #expect(try result.metrics.requireNumber("regularizers", "twice", "contribution") == -6)
        #expect(try result.metrics.requireNumber("regularizers", "off", "contribution") == 0)
        #expect(try await harness.sentGradient() == [[2, 2]])
    }

    @Test("missing_loss is checked first, before the data")
    func missingLossComesFirst() async throws {
        let harness = FixedHarness(logprobs: [[-1]])
        for data in [[], [makeDatumWithoutTargets(input: [1])]] {
            let error = try await #require(throws: CustomLossError.self) {
                try await harness.client.forwardBackwardCustom(data, regularizerArguments: [])
            }
            #expect(error.kind == .missingLoss)
        }
        // An explicitly empty list is no regularizers at all.
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(harness.data, lossFn: nil, regularizers: [])
        }
        #expect(error.kind == .missingLoss)
        #expect(await harness.sawNoRequest)
    }

    @Test("invalid_regularizer is checked before empty_data and missing_target_tokens")
    func invalidRegularizerComesBeforeData() async throws {
        let harness = FixedHarness(logprobs: [[-1]])
        let malformed: [RegularizerArguments] = [["name": .string("r"), "fn": .function(sumFn)]]
        for data in [[], [makeDatumWithoutTargets(input: [1])]] {
            let error = try await #require(throws: CustomLossError.self) {
                try await harness.client.forwardBackwardCustom(data, lossFn: sumFn, regularizerArguments: malformed)
            }
            #expect(error.kind == .invalidRegularizer)
        }
        #expect(await harness.sawNoRequest)
    }

    @Test("The first malformed entry in list order is reported")
    func firstMalformedEntryIsReported() async throws {
        let harness = FixedHarness(logprobs: [[-1]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data,
                regularizerArguments: [
                    ["name": .string("good"), "weight": .number(1), "fn": .function(sumFn)],
                    ["name": .string("bad_weight"), "weight": .bool(true), "fn": .function(sumFn)],
                    ["weight": .number(1), "fn": .function(sumFn)],
                ])
        }
        #expect(error.kind == .invalidRegularizer)
        #expect(error.message.contains("bad_weight"))
        #expect(error.message.contains(try Regex("\\b1\\b")))
    }

    /// Within one entry the problems are listed name, weight, fn, unknown keys; the first is reported.
    @Test("Within one entry, name is checked before weight, weight before fn, fn before unknown keys")
    func withinAnEntryTheListedOrderHolds() async throws {
        let harness = FixedHarness(logprobs: [[-1]])
        let cases: [(entry: RegularizerArguments, problem: String, laterProblems: [String])] = [
            (["weight": .bool(true), "fn": .none], "name", ["weight", "'fn'"]),
            (["name": .string("r"), "weight": .string("x"), "fn": .none, "extra": .number(1)], "weight", ["'fn'", "extra"]),
            (["name": .string("r"), "weight": .number(1), "fn": .number(3), "extra": .number(1)], "fn", ["extra"]),
        ]
        for (entry, problem, laterProblems) in cases {
            let error = try await #require(throws: CustomLossError.self) {
                try await harness.client.forwardBackwardCustom(harness.data, regularizerArguments: [entry])
            }
            #expect(error.kind == .invalidRegularizer)
            #expect(error.message.contains(problem), "expected the \(problem) problem: \(error.message)")
            for later in laterProblems {
                #expect(!error.message.contains(later), "reported \(later) before \(problem): \(error.message)")
            }
        }
    }

    @Test("Empty data is empty_data, with no request")
    func emptyDataIsReported() async throws {
        let harness = FixedHarness(logprobs: [])
        for regularizers in [[], [Regularizer(name: "r", weight: 1, fn: sumFn)]] {
            let error = try await #require(throws: CustomLossError.self) {
                try await harness.client.forwardBackwardCustom([], lossFn: sumFn, regularizers: regularizers)
            }
            #expect(error.kind == .emptyData)
            #expect(error.message.contains("No data provided"))
        }
        #expect(await harness.sawNoRequest)
    }

    @Test("A datum without target_tokens is missing_target_tokens naming its index, in both modes")
    func missingTargetTokensNamesTheFirstDatum() async throws {
        let harness = FixedHarness(logprobs: [[-1], [-1], [-1], [-1]])
        let data = [
            harness.data[0], harness.data[1],
            makeDatumWithoutTargets(input: [7]), makeDatumWithoutTargets(input: [8]),
        ]
        for regularizers in [[], [Regularizer(name: "r", weight: 1, fn: sumFn)]] {
            let error = try await #require(throws: CustomLossError.self) {
                try await harness.client.forwardBackwardCustom(data, lossFn: sumFn, regularizers: regularizers)
            }
            #expect(error.kind == .missingTargetTokens)
            #expect(error.message.contains(try Regex("\\b2\\b")), "datum index missing: \(error.message)")
            #expect(!error.message.contains(try Regex("\\b3\\b")))
        }
        #expect(await harness.sawNoRequest)
    }

    @Test("A validation failure never calls a fn")
    func validationFailureCallsNoFn() async throws {
        let harness = FixedHarness(logprobs: [[-1]])
        let calls = Recorder<String>()
        let recording = LossFunction.sync { _, lp in
            calls.append("called")
            return LossOutput(loss: lp[0].sum())
        }
        _ = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                [harness.data[0], makeDatumWithoutTargets(input: [1])], lossFn: recording,
                regularizers: [Regularizer(name: "r", weight: 1, fn: recording)])
        }
        #expect(calls.all.isEmpty)
        #expect(await harness.sawNoRequest)
    }

    @Test("Error kinds carry their language-neutral names")
    func errorKindNames() {
        #expect(CustomLossErrorKind.allCases.map(\.rawValue).sorted() == [
            "empty_data", "invalid_metrics", "invalid_regularizer", "loss_fn_failed", "missing_loss",
            "missing_target_tokens", "no_gradient", "non_finite_gradient", "non_finite_loss", "non_scalar_loss", "timeout",
        ])
    }
}
