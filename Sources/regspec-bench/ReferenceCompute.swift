import Foundation
import SpecHarness
import TrainingClient

/// `forwardBackwardCustom` with a base loss and three regularizers over B datums x T tokens,
/// against a plain loop that reads every logprob a few times (the memory-bandwidth floor).
struct ReferenceCompute {
    let quick: Bool

    func measure() async throws -> [BenchRecord] {
        let sizes = quick ? [(1, 16), (4, 256)] : [(1, 16), (4, 256), (16, 1024), (64, 4096)]
        let group = "2. reference compute: weighted_nll + 0.1 sum_of_squares + 0.05 kl(k3) + 0.5 variance"
        var records: [BenchRecord] = []
        for (datums, tokens) in sizes {
            let batch = Batch(datums: datums, tokens: tokens)
            let count = Double(datums * tokens)
            let repetitions = max(3, min(200, 2_000_000 / (datums * tokens)))
            let call = try await Stopwatch.median(repetitions: repetitions) { try await batch.call() }
            let floor = await Stopwatch.median(repetitions: repetitions) { batch.plainLoop() }
            records.append(BenchRecord(
                group: group, name: "\(datums) x \(tokens): forwardBackwardCustom", value: call / count * 1e9, unit: "ns/logprob",
                note: String(format: "%.3f ms per call", call * 1e3)))
            records.append(BenchRecord(
                group: group, name: "\(datums) x \(tokens): plain loop, 4 reads", value: floor / count * 1e9, unit: "ns/logprob",
                note: String(format: "ratio %.1fx (target <= 3x)", call / floor)))
        }
        return records
    }
}

/// A batch of random data and the structured call over it.
private struct Batch {
    let data: [Datum]
    let logprobs: [[Double]]
    let client: TrainingClient
    let lossFn: LossFunction
    let regularizers: [Regularizer]

    init(datums: Int, tokens: Int) {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1.0p-53
        }
        logprobs = (0..<datums).map { _ in (0..<tokens).map { _ in -0.01 - 5 * uniform() } }
        data = logprobs.map { row in
            Datum(
                modelInput: .fromInts((0..<tokens).map { $0 % 1000 }),
                lossFnInputs: [
                    "target_tokens": TensorData(tokens: (0..<tokens).map { ($0 + 1) % 1000 }),
                    "weights": TensorData(floats: row.map { _ in uniform() }),
                    "ref_logprobs": TensorData(floats: row.map { $0 + 0.1 * (uniform() - 0.5) }),
                ])
        }
        client = TrainingClient(backend: FixedLogprobsBackend(logprobs: logprobs))
        let catalogue = Catalogue.standard
        func fn(_ name: String) -> LossFunction {
            catalogue.lossFunction(for: FnSpec(
                name: name))
        }
        lossFn = fn("weighted_nll")
        regularizers = [
            Regularizer(name: "l2", weight: 0.1, fn: fn("sum_of_squares")),
            Regularizer(name: "kl", weight: 0.05, fn: fn("kl_to_reference")),
            Regularizer(name: "variance", weight: 0.5, fn: fn("variance")),
        ]
    }

    func call() async throws {
        _ = try await client.forwardBackwardCustom(data, lossFn: lossFn, regularizers: regularizers)
    }

    /// The same sums computed directly: nll, squares, the KL estimate and the variance, in four reads.
    func plainLoop() {
        var nll = 0.0, squares = 0.0, kl = 0.0, total = 0.0, totalSquares = 0.0
        for (row, datum) in zip(logprobs, data) {
            let weights = datum.lossFnInputs["weights"]?.data ?? []
            let reference = datum.lossFnInputs["ref_logprobs"]?.data ?? []
            for index in row.indices {
                let lp = row[index]
                nll -= weights[index] * lp
                squares += lp * lp
                let ratio = reference[index] - lp
                kl += Foundation.exp(ratio) - 1 - ratio
                total += lp
                totalSquares += lp * lp
            }
        }
        blackHole(nll + squares + kl + total + totalSquares)
    }
}

/// Keeps a value alive so the optimizer cannot drop the loop that made it.
@inline(never)
func blackHole(_ value: Double) {
    if value.isNaN && value.sign == .minus { print("") }
}
