#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TinkerWire

extension SpecParser {
    static let datumKeys = ["tokens", "targets", "weights", "inputs", "logprobs", "model_input", "loss_fn_inputs"]

    /// A list of datums, or `{fixture: PATH}` naming a file under the fixtures folder.
    func parseData(_ value: YAMLValue) throws(SpecDiagnostic) -> [CaseDatum] {
        if case .mapping = value.content {
            let reader = try MappingReader(value, what: "data", allowed: ["fixture"])
            let pathValue = try reader.required("fixture", in: "data")
            return try loadFixture(try pathValue.string("data.fixture"), at: pathValue.location)
        }
        var datums: [CaseDatum] = []
        for (index, item) in try value.sequence("data").enumerated() {
            datums.append(try parseDatum(item, index: index))
        }
        return datums
    }

    private func loadFixture(_ relativePath: String, at location: SourceLocation) throws(SpecDiagnostic) -> [CaseDatum] {
        let path = LexicalPath(fixturesDirectory).appending(relativePath)
        let link = FixtureLink(path: path, written: relativePath)
        if let start = fixtureChain.firstIndex(where: { $0.identity == link.identity }) {
            let cycle = (fixtureChain[start...] + [link]).map { UserText.escaped($0.written) }.joined(separator: " -> ")
            throw SpecDiagnostic(
                location, "fixture files refer to each other in a cycle: \(cycle)",
                hint: "a fixture's `data:` must end in a list of datums; remove one of the references")
        }
        guard fixtureChain.count < limits.maximumFixtureDepth else {
            throw SpecDiagnostic(
                location, "fixture files refer to further fixture files more than \(limits.maximumFixtureDepth) deep",
                hint: "point `data: {fixture: ...}` at the file that holds the datums")
        }
        guard FileKind.of(path.text) == .regularFile else {
            throw SpecDiagnostic(
                location, "fixture file \(UserText.quoted(relativePath)) not found at \(path)",
                hint: "fixture paths are relative to the fixtures folder (\(fixturesDirectory)); load the suite with another fixtures folder to use another")
        }
        let parsed = YAMLValue.parse(fileAtPath: path.text, displayName: path.text, limits: limits.yaml)
        for diagnostic in parsed.diagnostics.dropLast() { try DiagnosticLog.reportOrThrow(diagnostic) }
        if let last = parsed.diagnostics.last {
            guard parsed.value != nil else { throw last }
            try DiagnosticLog.reportOrThrow(last)
        }
        guard let root = parsed.value else { throw SpecDiagnostic(location, "cannot read the fixture file \(path)") }
        var fixtureParser = SpecParser(file: path.text, fixturesDirectory: fixturesDirectory, catalogue: catalogue, limits: limits)
        fixtureParser.fixtureChain = fixtureChain + [link]
        let reader = try MappingReader(root, what: "a fixture file", allowed: ["data", "summary"])
        return try fixtureParser.parseData(try reader.required("data", in: "the fixture file"))
    }

    private func parseDatum(_ value: YAMLValue, index: Int) throws(SpecDiagnostic) -> CaseDatum {
        let what = "datum \(index)"
        let reader = try MappingReader(value, what: what, allowed: Self.datumKeys)
        let modelInput: ModelInput
        switch (reader["tokens"], reader["model_input"]) {
        case (let tokens?, nil):
            if case .mapping = tokens.content {
                let array = try numberArray(tokens, what: "\(what).tokens")
                try checkTokens(array.values, at: tokens.location, what: "\(what).tokens")
                modelInput = .fromInts(array.values.map { Int($0) })
            } else {
                modelInput = .fromInts(try tokenList(tokens, what: "\(what).tokens"))
            }
        case (nil, let wire?):
            modelInput = try parseModelInput(wire, what: "\(what).model_input")
        case (_?, _?):
            throw SpecDiagnostic(reader.location(of: "model_input"), "\(what) gives both tokens and model_input", hint: "keep one")
        case (nil, nil):
            throw SpecDiagnostic(value.location, "\(what) has no model input", hint: "add `tokens: [...]`")
        }

        var inputs: [String: TensorData] = [:]
        if let wire = reader["loss_fn_inputs"] {
            let wireReader = try MappingReader(wire, what: "\(what).loss_fn_inputs", allowed: nil)
            for pair in wireReader.pairs {
                inputs[pair.key] = try parseTensorData(pair.value, what: "\(what).loss_fn_inputs.\(pair.key)")
            }
        }
        func add(_ key: String, _ tensor: TensorData, at location: SourceLocation) throws(SpecDiagnostic) {
            guard inputs[key] == nil else {
                throw SpecDiagnostic(location, "\(what) gives \(key) twice (short form and loss_fn_inputs)", hint: "keep one")
            }
            inputs[key] = tensor
        }
        if let targets = reader["targets"] {
            let array = try numberArray(targets, what: "\(what).targets")
            try checkTokens(array.values, at: targets.location, what: "\(what).targets")
            try add("target_tokens", TensorData(data: array.values, dtype: .int64, shape: array.shape), at: targets.location)
        }
        let targetShape = inputs["target_tokens"]?.resolvedShape
        if let weights = reader["weights"] {
            let array = try numberArray(weights, what: "\(what).weights")
            try add("weights", TensorData(floats: array.values, shape: targetShape ?? array.shape), at: weights.location)
        }
        if let extra = reader["inputs"] {
            let extraReader = try MappingReader(extra, what: "\(what).inputs", allowed: nil)
            for pair in extraReader.pairs {
                let array = try numberArray(pair.value, what: "\(what).inputs.\(pair.key)")
                try add(pair.key, TensorData(floats: array.values, shape: array.shape), at: pair.keyLocation)
            }
        }
        for (key, tensor) in inputs where !tensor.isConsistent {
            throw SpecDiagnostic(
                value.location, "\(what): loss_fn_inputs.\(key) has shape \(tensor.resolvedShape) but \(tensor.data.count) values")
        }

        let logprobs: [Double]
        if let logprobsValue = reader["logprobs"] {
            logprobs = try numberArray(logprobsValue, what: "\(what).logprobs").values
            let expected = targetShape.flatMap(TensorData.elementCount(of:)) ?? 0
            guard logprobs.count == expected else {
                throw SpecDiagnostic(
                    logprobsValue.location,
                    "\(what) has \(logprobs.count) logprobs but its targets have \(expected) elements",
                    hint: "give one logprob per target token, in the targets' shape")
            }
        } else if targetShape != nil {
            throw SpecDiagnostic(value.location, "\(what) has no logprobs", hint: "add `logprobs:`, what the backend's forward returns for it")
        } else {
            logprobs = []
        }
        return CaseDatum(datum: Datum(modelInput: modelInput, lossFnInputs: inputs), logprobs: logprobs)
    }

    /// A list of numbers written inline, or `{npy: PATH}` naming a `.npy` file under the fixtures folder.
    func numberArray(_ value: YAMLValue, what: String) throws(SpecDiagnostic) -> (values: [Double], shape: [Int]) {
        guard case .mapping = value.content else { return try value.numberArray(what) }
        let reader = try MappingReader(value, what: what, allowed: ["npy"])
        let pathValue = try reader.required("npy", in: what)
        let path = LexicalPath(fixturesDirectory).appending(try pathValue.string("\(what).npy"))
        return try NumPyArray.read(path.text, at: pathValue.location, maximumBytes: limits.yaml.maximumBytes)
    }

    private func tokenList(_ value: YAMLValue, what: String) throws(SpecDiagnostic) -> [Int] {
        if case .numbers(let list) = value.content {
            var tokens: [Int] = []
            tokens.reserveCapacity(list.count)
            for index in 0..<list.count {
                guard list.isInteger(at: index) else { throw list.item(at: index).mismatch("each token of \(what)", expected: "an integer") }
                let token = Int(list.value(at: index))
                guard token >= 0 else { throw SpecDiagnostic(list.location(at: index), "token ids are non-negative; \(what) has \(token)") }
                tokens.append(token)
            }
            return tokens
        }
        var tokens: [Int] = []
        for item in try value.sequence(what) {
            let token = try item.integer("each token of \(what)")
            guard token >= 0 else { throw SpecDiagnostic(item.location, "token ids are non-negative; \(what) has \(token)") }
            tokens.append(token)
        }
        return tokens
    }

    private func checkTokens(_ values: [Double], at location: SourceLocation, what: String) throws(SpecDiagnostic) {
        // Token ids are exact integers in a Double only below 2^53.
        if let bad = values.first(where: { !($0 >= 0 && $0 < 0x1p53 && $0.rounded() == $0) }) {
            throw SpecDiagnostic(location, "\(what) holds \(bad), not a token id", hint: "token ids are non-negative integers below 2^53")
        }
    }

    private func parseModelInput(_ value: YAMLValue, what: String) throws(SpecDiagnostic) -> ModelInput {
        let reader = try MappingReader(value, what: what, allowed: ["chunks"])
        var chunks: [EncodedTextChunk] = []
        for chunk in try reader.required("chunks", in: what).sequence("\(what).chunks") {
            let chunkReader = try MappingReader(chunk, what: "a chunk", allowed: ["tokens", "type"])
            if let type = chunkReader["type"], try type.string("type") != "encoded_text" {
                throw SpecDiagnostic(type.location, "only 'encoded_text' chunks are supported")
            }
            chunks.append(EncodedTextChunk(tokens: try tokenList(try chunkReader.required("tokens", in: "a chunk"), what: "chunk tokens")))
        }
        return ModelInput(chunks: chunks)
    }

    private func parseTensorData(_ value: YAMLValue, what: String) throws(SpecDiagnostic) -> TensorData {
        let reader = try MappingReader(value, what: what, allowed: ["data", "dtype", "shape"])
        let data = try reader.required("data", in: what).numberArray("\(what).data").values
        let dtypeValue = try reader.required("dtype", in: what)
        guard let dtype = TensorData.DType(rawValue: try dtypeValue.string("dtype")) else {
            throw SpecDiagnostic(dtypeValue.location, "\(what).dtype must be int64 or float32")
        }
        let shape = try reader["shape"]?.integers("\(what).shape")
        return TensorData(data: data, dtype: dtype, shape: shape)
    }
}
