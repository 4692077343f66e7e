/// The model's input: a list of chunks, as in Tinker. Only token chunks exist here.
public struct ModelInput: Sendable, Equatable, Codable {
    public var chunks: [EncodedTextChunk]

    public init(chunks: [EncodedTextChunk]) {
        self.chunks = chunks
    }

    /// One chunk holding `tokens`, Tinker's `ModelInput.from_ints`.
    public static func fromInts(_ tokens: [Int]) -> ModelInput {
        ModelInput(chunks: [EncodedTextChunk(tokens: tokens)])
    }

    /// Every token of every chunk, in order.
    public var tokens: [Int] { chunks.flatMap(\.tokens) }

    public var length: Int { chunks.reduce(0) { $0 + $1.tokens.count } }
}

/// A run of token ids; encoded with `"type": "encoded_text"` like Tinker's.
public struct EncodedTextChunk: Sendable, Equatable, Codable {
    public var tokens: [Int]

    public init(tokens: [Int]) {
        self.tokens = tokens
    }

    private enum CodingKeys: String, CodingKey {
        case tokens, type
    }

    static let typeName = "encoded_text"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decodeIfPresent(String.self, forKey: .type) ?? Self.typeName
        guard type == Self.typeName else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "unsupported chunk type '\(type)'; only 'encoded_text' chunks are supported")
        }
        tokens = try container.decode([Int].self, forKey: .tokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(Self.typeName, forKey: .type)
    }
}
