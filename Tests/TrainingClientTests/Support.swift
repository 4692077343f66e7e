import Autodiff
import Foundation
import Synchronization
import Testing
import TinkerWire
@testable import TrainingClient

// MARK: - Data and clients

/// A datum as Tinker builds one: input tokens and the target tokens its logprobs score.
/// `shape` is given for multi-target `[T, K]` targets; `extraInputs` adds other `loss_fn_inputs`.
func makeDatum(
    input: [Int], targets: [Int], shape: [Int]? = nil, extraInputs: [String: TensorData] = [:]
) -> Datum {
    var inputs = extraInputs
    inputs["target_tokens"] = TensorData(tokens: targets, shape: shape)
    return Datum(modelInput: .fromInts(input), lossFnInputs: inputs)
}

/// A datum with no `target_tokens`, which validation must reject.
func makeDatumWithoutTargets(input: [Int]) -> Datum {
    Datum(modelInput: .fromInts(input), lossFnInputs: ["weights": TensorData(floats: [1])])
}

/// A client over a `FixedLogprobsBackend`, with the data the served logprobs belong to.
struct FixedHarness {
    let backend: FixedLogprobsBackend
    let client: TrainingClient
    let data: [Datum]

    /// One 1-D datum per entry of `logprobs`, with as many target tokens as logprobs.
    init(logprobs: [[Double]]) {
        let data = logprobs.enumerated().map { index, values in
            makeDatum(
                input: (0..<values.count).map { index + $0 },
                targets: (0..<values.count).map { index + $0 + 1 })
        }
        self.init(logprobs: logprobs, data: data)
    }

    /// Explicit data, e.g. with `[T, K]` targets; `logprobs[j]` is datum j's, flat in row-major order.
    init(logprobs: [[Double]], data: [Datum]) {
        backend = FixedLogprobsBackend(logprobs: logprobs)
        client = TrainingClient(backend: backend)
        self.data = data
    }

    /// The weights of the one backward request, per datum, flat.
    func sentWeights(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[Double]] {
        let backward = await backend.forwardBackwardRequests
        try #require(backward.count == 1, "expected exactly one backward request", sourceLocation: sourceLocation)
        return try backward[0].data.map { datum in
            try #require(datum.lossFnInputs["weights"], "backward datum without weights", sourceLocation: sourceLocation)
                .data
        }
    }

    /// The gradient the client sent, `-weights`, per datum.
    func sentGradient(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[Double]] {
        try await sentWeights(sourceLocation: sourceLocation).map { $0.map { -$0 } }
    }

    /// True when the backend saw no request of any kind.
    var sawNoRequest: Bool {
        get async { await backend.requests.isEmpty }
    }

    /// True when the backend saw no backward request.
    var sawNoBackward: Bool {
        get async { await backend.forwardBackwardRequests.isEmpty }
    }
}

/// Serves fixed logprobs for the forward pass and fails every backward request with `failure`.
actor BackwardFailingBackend: TrainingBackend {
    struct Failure: Error, Equatable {}
    private let served: FixedLogprobsBackend
    private(set) var backwardAttempts = 0

    init(logprobs: [[Double]]) {
        served = FixedLogprobsBackend(logprobs: logprobs)
    }

    func forward(_ data: [Datum], lossFn: BackendLossFunction) async throws -> ForwardBackwardOutput {
        try await served.forward(data, lossFn: lossFn)
    }

    func forwardBackward(_ data: [Datum], lossFn: BackendLossFunction) throws -> ForwardBackwardOutput {
        backwardAttempts += 1
        throw Failure()
    }

    func optimStep(_ parameters: AdamParameters) {}
}

// MARK: - Loss functions

/// The error a test fn raises; its description is the message `loss_fn_failed` must carry.
struct FnFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The sum of every element of every tensor, as one 0-d tensor.
func sumOfAll(_ tensors: [Tensor]) throws -> Tensor {
    var total = Tensor(scalar: 0)
    for tensor in tensors { total = try total + tensor.sum() }
    return total
}

/// The sum of every squared element of every tensor.
func sumOfSquares(_ tensors: [Tensor]) throws -> Tensor {
    try sumOfAll(tensors.map { $0.square() })
}

/// A weighted NLL over each datum's `weights` input (ones when absent): `-sum_j sum(w_j * lp_j)`.
func weightedNLL(_ data: [Datum], _ logprobs: [Tensor]) throws -> Tensor {
    var total = Tensor(scalar: 0)
    for (datum, lp) in zip(data, logprobs) {
        guard let weights = datum.lossFnInputs["weights"] else {
            total = try total - lp.sum()
            continue
        }
        let w = try Tensor(weights.data, shape: lp.shape)
        total = try total - (w * lp).sum()
    }
    return total
}

/// A fn returning `loss` computed from the logprobs, with fixed custom metrics.
func syncFn(
    metrics: CustomMetrics = [:], _ loss: @escaping @Sendable ([Tensor]) throws -> Tensor
) -> LossFunction {
    .sync { _, logprobs in LossOutput(loss: try loss(logprobs), metrics: metrics) }
}

/// The same, awaited after sleeping `delay`, like a fn waiting on I/O.
func asyncFn(
    delay: Duration = .milliseconds(5), metrics: CustomMetrics = [:],
    _ loss: @escaping @Sendable ([Tensor]) throws -> Tensor
) -> LossFunction {
    .async { _, logprobs in
        try await Task.sleep(for: delay)
        return LossOutput(loss: try loss(logprobs), metrics: metrics)
    }
}

/// A sync fn that raises `message`.
func raisingFn(_ message: String) -> LossFunction {
    .sync { _, _ in throw FnFailure(message: message) }
}

/// An async fn that sleeps `delay`, then raises `message`.
func raisingAsyncFn(after delay: Duration, _ message: String) -> LossFunction {
    .async { _, _ in
        try await Task.sleep(for: delay)
        throw FnFailure(message: message)
    }
}

// MARK: - Recording

/// A thread-safe list, for fns (possibly running concurrently) to record what they saw.
final class Recorder<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    func append(_ element: Element) {
        storage.withLock { $0.append(element) }
    }

    var all: [Element] { storage.withLock { $0 } }
}

/// Counts fns in flight and remembers the most seen at once.
final class ConcurrencyGauge: Sendable {
    private let state = Mutex<(current: Int, peak: Int)>((0, 0))

    func enter() {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
        }
    }

    func leave() {
        state.withLock { $0.current -= 1 }
    }

    var peak: Int { state.withLock { $0.peak } }
}

extension TelemetryEvent {
    /// The event without its durations, so sequences can be compared exactly.
    var summary: String {
        switch self {
        case .callStarted(let mode, let fnCount): "callStarted(\(mode.rawValue), \(fnCount))"
        case .fnStarted(let label): "fnStarted(\(label))"
        case .fnStopped(let label, _, _, _): "fnStopped(\(label))"
        case .fnFailed(let label, let error): "fnFailed(\(label), \(error.kind.rawValue))"
        case .callStopped: "callStopped"
        case .callFailed: "callFailed"
        }
    }
}

// MARK: - Metrics and numbers

extension Metrics {
    /// The number at `path`, failing the test when there is none.
    func requireNumber(_ path: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        try #require(number(at: path), "no number at \(path)", sourceLocation: sourceLocation)
    }

    /// The nested object at `path`, failing the test when there is none.
    func requireObject(_ path: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> Metrics {
        guard case .object(let nested)? = value(at: path) else {
            Issue.record("no object at \(path)", sourceLocation: sourceLocation)
            throw MissingMetric(path: path)
        }
        return nested
    }
}

struct MissingMetric: Error {
    let path: [String]
}

/// Semantics section 10: `|actual - expected| <= atol + rtol * |expected|`.
func isClose(_ actual: Double, _ expected: Double, rtol: Double = 1e-5, atol: Double = 1e-6) -> Bool {
    abs(actual - expected) <= atol + rtol * abs(expected)
}

/// Checks nested arrays elementwise with `isClose`, naming the first element that differs.
func expectClose(
    _ actual: [[Double]], _ expected: [[Double]], rtol: Double = 1e-5, atol: Double = 1e-6,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.map(\.count) == expected.map(\.count), "\(what): shapes differ", sourceLocation: sourceLocation)
    for (datum, (row, expectedRow)) in zip(actual, expected).enumerated() {
        for (index, (value, expectedValue)) in zip(row, expectedRow).enumerated() {
            #expect(
                isClose(value, expectedValue, rtol: rtol, atol: atol),
                "\(what)[\(datum)][\(index)]: \(value) vs expected \(expectedValue)",
                sourceLocation: sourceLocation)
        }
    }
}

/// A value as it travels in a float32 `TensorData`.
func float32(_ value: Double) -> Double {
    Double(Float(value))
}

/// How long a fn that must be cancelled sleeps: far longer than any test. Tests run side by
/// side on the cooperative pool, and CPU-bound ones can hold its threads for seconds on a
/// loaded machine; a sleep of a few seconds could then end before the cancellation under test
/// is delivered, and the test would judge the scheduler instead of the client.
let untilCancelled: Duration = .seconds(600)
