import Foundation
import ReferenceEngine
import SpecHarness
import TinkerWire
import TrainingClient

/// 16 async regularizers that each wait 10 ms: concurrent evaluation should take about 10 ms.
struct AsyncConcurrency {
    func measure() async throws -> [BenchRecord] {
        let group = "3. async regularizers: 16 x (wait 10 ms, then sum)"
        let data = [Datum(
            modelInput: .fromInts([1, 2, 3]),
            lossFnInputs: ["target_tokens": TensorData(tokens: [2, 3, 4])])]
        let catalogue = ReferenceCatalogue.standard
        let regularizers = (0..<16).map { index in
            Regularizer(
                name: "wait\(index)", weight: Double(index + 1) / 10,
                fn: catalogue.lossFunction(for: FnSpec(
name: "sum", isAsync: true, delayMilliseconds: 10)))
        }
        func run(maxConcurrency: Int?) async throws -> (seconds: Double, metrics: Metrics) {
            let client = TrainingClient(backend: FixedLogprobsBackend(logprobs: [[-0.5, -1.5, -2.5]]))
            var metrics = Metrics()
            let seconds = try await Stopwatch.median(repetitions: 5) {
                metrics = try await client.forwardBackwardCustom(
                    data, regularizers: regularizers, options: CustomLossOptions(maxConcurrency: maxConcurrency)).metrics
            }
            return (seconds, metrics)
        }
        let concurrent = try await run(maxConcurrency: nil)
        let sequential = try await run(maxConcurrency: 1)
        let identical = concurrent.metrics.keys == sequential.metrics.keys
            && concurrent.metrics.number(at: ["loss_total"]) == sequential.metrics.number(at: ["loss_total"])
            && concurrent.metrics["regularizers"] == sequential.metrics["regularizers"]
        return [
            BenchRecord(group: group, name: "concurrent (default)", value: concurrent.seconds * 1e3, unit: "ms", note: "target about 10"),
            BenchRecord(group: group, name: "sequential (max_concurrency 1)", value: sequential.seconds * 1e3, unit: "ms", note: "about 160 expected"),
            BenchRecord(group: group, name: "sequential / concurrent", value: sequential.seconds / concurrent.seconds, unit: "x",
                        note: identical ? "metrics identical" : "METRICS DIFFER"),
        ]
    }
}
