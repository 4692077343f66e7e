import Autodiff
import Foundation
import Synchronization
import Testing
import TinkerWire
@testable import TrainingClient

/// Codable round-trips with JSON shaped as Python's tinker SDK writes it.
@Suite("Wire format")
struct WireFormatTests {
    /// A datum as `tinker.Datum(...).model_dump_json()` writes it.
    static let pythonDatum = """
        {"model_input": {"chunks": [{"tokens": [101, 7, 42], "type": "encoded_text"}]},
         "loss_fn_inputs": {"target_tokens": {"data": [7, 42, 102], "dtype": "int64", "shape": [3]},
                            "weights": {"data": [0.0, 1.0, 0.5], "dtype": "float32", "shape": [3]}}}
        """

    /// Parses JSON into Foundation objects, so documents compare regardless of key order and spacing.
    private func jsonObject(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test("A datum written by Python decodes")
    func datumDecodesFromPythonJSON() throws {
        let datum = try JSONDecoder().decode(Datum.self, from: Data(Self.pythonDatum.utf8))
        #expect(datum.modelInput.tokens == [101, 7, 42])
        #expect(datum.modelInput.chunks.count == 1)
        let targets = try #require(datum.targetTokens)
        #expect(targets.data == [7, 42, 102])
        #expect(targets.dtype == .int64)
        #expect(targets.shape == [3])
        let weights = try #require(datum.lossFnInputs["weights"])
        #expect(weights.dtype == .float32)
        #expect(weights.data == [0, 1, 0.5])
    }

    @Test("A datum encodes back to the same JSON")
    func datumRoundTripsToTheSameJSON() throws {
        let datum = try JSONDecoder().decode(Datum.self, from: Data(Self.pythonDatum.utf8))
        let encoded = try JSONEncoder().encode(datum)
        #expect(try jsonObject(encoded) == jsonObject(Data(Self.pythonDatum.utf8)))
        #expect(try JSONDecoder().decode(Datum.self, from: encoded) == datum)
    }

    @Test("Int64 data encodes as JSON integers")
    func int64DataEncodesAsIntegers() throws {
        let datum = makeDatum(input: [1, 2], targets: [3, 4], shape: [2])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(datum), as: UTF8.self)
        #expect(text == #"{"loss_fn_inputs":{"target_tokens":{"data":[3,4],"dtype":"int64","shape":[2]}},"model_input":{"chunks":[{"tokens":[1,2],"type":"encoded_text"}]}}"#)
    }

    @Test("Multi-target [T, K] tokens keep their shape")
    func multiTargetShapeRoundTrips() throws {
        let json = #"{"model_input": {"chunks": [{"tokens": [1, 2], "type": "encoded_text"}]}, "loss_fn_inputs": {"target_tokens": {"data": [3, 4, 5, 6, 7, 8], "dtype": "int64", "shape": [2, 3]}}}"#
        let datum = try JSONDecoder().decode(Datum.self, from: Data(json.utf8))
        #expect(datum.targetTokens?.resolvedShape == [2, 3])
        #expect(try jsonObject(JSONEncoder().encode(datum)) == jsonObject(Data(json.utf8)))
    }

    @Test("A missing or null shape means one dimension")
    func absentShapeIsOneDimensional() throws {
        for tensor in [#"{"data": [1, 2, 3], "dtype": "int64"}"#, #"{"data": [1, 2, 3], "dtype": "int64", "shape": null}"#] {
            let decoded = try JSONDecoder().decode(TensorData.self, from: Data(tensor.utf8))
            #expect(decoded.shape == nil)
            #expect(decoded.resolvedShape == [3])
        }
    }

    @Test("Several chunks concatenate; a chunk without a type is encoded text; other types are rejected")
    func chunkTypes() throws {
        let twoChunks = #"{"chunks": [{"tokens": [1, 2], "type": "encoded_text"}, {"tokens": [3]}]}"#
        let input = try JSONDecoder().decode(ModelInput.self, from: Data(twoChunks.utf8))
        #expect(input.tokens == [1, 2, 3])
        #expect(input.length == 3)
        let image = #"{"chunks": [{"tokens": [1], "type": "image"}]}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ModelInput.self, from: Data(image.utf8))
        }
    }

    @Test("Float32 weights round-trip")
    func float32WeightsRoundTrip() throws {
        let weights = TensorData(floats: [0.5, -1.25, 3], shape: [3])
        let decoded = try JSONDecoder().decode(TensorData.self, from: JSONEncoder().encode(weights))
        #expect(decoded == weights)
        #expect(decoded.dtype == .float32)
    }

    @Test("A ForwardBackwardOutput written by Python decodes and round-trips")
    func forwardBackwardOutputRoundTrips() throws {
        let json = """
            {"loss_fn_output_type": "TensorData",
             "loss_fn_outputs": [{"logprobs": {"data": [-0.5, -1.5], "dtype": "float32", "shape": [2]}}],
             "metrics": {"loss:sum": 2.0}}
            """
        let output = try JSONDecoder().decode(ForwardBackwardOutput.self, from: Data(json.utf8))
        #expect(output.lossFnOutputType == "TensorData")
        #expect(output.lossFnOutputs.first?["logprobs"]?.data == [-0.5, -1.5])
        #expect(output.metrics.number(at: ["loss:sum"]) == 2)
        let again = try JSONDecoder().decode(ForwardBackwardOutput.self, from: JSONEncoder().encode(output))
        #expect(again == output)
    }

    @Test("Structured metrics from a real call encode to JSON and decode to the same values")
    func structuredMetricsRoundTrip() async throws {
        let harness = FixedHarness(logprobs: [[-1, -2]])
        let result = try await harness.client.forwardBackwardCustom(
            harness.data, lossFn: .sync { _, lp in LossOutput(loss: -lp[0].sum(), metrics: ["acc": 0.75]) },
            regularizers: [
                Regularizer(name: "l2", weight: 0.1, fn: syncFn { $0[0].square().sum() }),
                Regularizer(name: "zero", weight: 0, fn: syncFn { $0[0].sum() }),
            ])
        let encoded = try JSONEncoder().encode(result.metrics)
        let object = try jsonObject(encoded)
        let regularizers = try #require(object["regularizers"] as? NSDictionary)
        let l2 = try #require(regularizers["l2"] as? NSDictionary)
        #expect((l2["weight"] as? NSNumber)?.doubleValue == 0.1)
        #expect((l2["custom"] as? NSDictionary)?.count == 0)
        let decoded = try JSONDecoder().decode(Metrics.self, from: encoded)
        for path in [["loss_total"], ["regularizer_total"], ["base_loss", "value"], ["base_loss", "custom", "acc"],
                     ["regularizers", "l2", "value"], ["regularizers", "l2", "weight"], ["regularizers", "zero", "contribution"]] {
            #expect(decoded.number(at: path) == result.metrics.number(at: path), "\(path)")
        }
    }

    @Test("A recorded request encodes with Python's field names")
    func requestFieldNames() throws {
        let request = ForwardBackwardRequest(
            kind: .forwardBackward, lossFn: .crossEntropy, data: [makeDatum(input: [1], targets: [2])])
        let object = try jsonObject(JSONEncoder().encode(request))
        #expect(object["kind"] as? String == "forward_backward")
        #expect(object["loss_fn"] as? String == "cross_entropy")
        let data = try #require(object["data"] as? [NSDictionary])
        #expect(data.first?["model_input"] != nil)
        #expect(data.first?["loss_fn_inputs"] != nil)
    }

    @Test("a datum's loss input is found by name as the dictionary finds it, with few inputs or many")
    func lossFnInputAgreesWithTheDictionary() {
        let names = ["target_tokens", "weights", "ref_logprobs", "advantages", "caf\u{E9}", "mask"]
        for count in 1...names.count {
            var inputs: [String: TensorData] = [:]
            for (index, name) in names.prefix(count).enumerated() { inputs[name] = TensorData(floats: [Double(index)], shape: [1]) }
            let datum = Datum(modelInput: .fromInts([1]), lossFnInputs: inputs)
            // "cafe\u{301}" is the same String as "caf\u{E9}" (canonically equivalent), as the dictionary has it.
            for key in names + ["cafe\u{301}", "target", "", "weights "] {
                #expect(datum.lossFnInput(key) == inputs[key], "\(key) among \(count) inputs")
            }
            #expect(datum.targetTokens == inputs["target_tokens"])
        }
    }

    /// A batch's datums of one length share a shape array in the backend's outputs: each
    /// output, and each logprob leaf made from one, still has its own datum's shape.
    @Test func outputsAndLeavesAreShapedPerDatum() async throws {
        let lengths = [3, 3, 5, 3, 6]
        let data = lengths.enumerated().map { index, length in
            Datum(
                modelInput: .fromInts([1]),
                lossFnInputs: ["target_tokens": TensorData(tokens: Array(0..<length), shape: index == 4 ? [2, 3] : nil)])
        }
        let backend = FixedLogprobsBackend(logprobs: lengths.map { Array(repeating: -0.5, count: $0) })
        let forward = try await backend.forward(data, lossFn: .crossEntropy)
        #expect(forward.lossFnOutputs.map { $0["logprobs"]?.shape } == [[3], [3], [5], [3], [2, 3]])
        let leafShapes = Mutex<[[Int]]>([])
        let client = TrainingClient(backend: backend)
        let output = try await client.forwardBackwardCustom(data, lossFn: .sync { _, logprobs in
            leafShapes.withLock { $0 = logprobs.map(\.shape) }
            return LossOutput(loss: try Tensor.sumOfSquares(of: logprobs))
        })
        #expect(leafShapes.withLock { $0 } == [[3], [3], [5], [3], [2, 3]])
        #expect(output.lossFnOutputs.map { $0["logprobs"]?.shape } == [[3], [3], [5], [3], [2, 3]])
    }
}
