import Autodiff
import Testing
import TinkerWire
@testable import TrainingClient

/// Semantics section 2: "café" (U+00E9) and "cafe\u{301}" are two names, as in Python.
@Suite("Regularizer names compared as Unicode scalars")
struct ScalarNameTests {
    @Test("Two spellings of a name are two regularizers with two metrics entries")
    func twoSpellings() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [
                Regularizer(name: "caf\u{E9}", weight: 0.5, fn: syncFn(sumOfAll)),
                Regularizer(name: "cafe\u{301}", weight: 0.1, fn: syncFn(sumOfAll)),
            ])
        guard case .object(let entries)? = result.metrics["regularizers"] else {
            Issue.record("no regularizers object")
            return
        }
        #expect(entries.keys.map(\.unicodeScalars.count) == [4, 5])
        #expect(entries.number(at: ["cafe\u{301}", "contribution"]) == 0.1 * -3)
        #expect(try result.metrics.requireNumber("regularizer_total") == 0.5 * -3 + 0.1 * -3)
    }

    @Test("An exactly repeated name is still invalid_regularizer")
    func exactRepeat() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let error = try await #require(throws: CustomLossError.self) {
            try await harness.client.forwardBackwardCustom(
                harness.data, regularizers: [
                    Regularizer(name: "caf\u{E9}", weight: 0.5, fn: syncFn(sumOfAll)),
                    Regularizer(name: "caf\u{E9}", weight: 0.1, fn: syncFn(sumOfAll)),
                ])
        }
        #expect(error.kind == .invalidRegularizer)
    }

    @Test("Custom metric keys that differ only in normalization stay two keys")
    func customMetricKeys() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let fn = syncFn(metrics: ["caf\u{E9}": 1.0, "cafe\u{301}": 2.0], sumOfAll)
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, regularizers: [Regularizer(name: "r", weight: 1, fn: fn)])
        #expect(result.metrics.value(at: ["regularizers", "r", "custom"]) == .object(["caf\u{E9}": .number(1), "cafe\u{301}": .number(2)]))
        guard case .object(let custom)? = result.metrics.value(at: ["regularizers", "r", "custom"]) else { return }
        #expect(custom.keys.count == 2)
    }
}
