/// The protocol's own words (keys, dtypes, outcomes, event names), handed out as the string
/// literals they are: a fast decoder reading one gets an immortal string without validating
/// and copying its bytes again, which for keys alone was a sixth of decoding a reply.
enum ProtocolWords {
    static let all: [String] = [
        "seq", "cmd", "run", "case", "id", "data", "logprobs", "call", "observation", "errored",
        "outcome", "success", "error", "metrics", "requests", "forward", "backward", "telemetry",
        "loss_fn", "model_input", "chunks", "tokens", "type", "encoded_text", "loss_fn_inputs", "dtype",
        "float32", "int64", "shape", "target_tokens", "weights", "advantages", "event", "label", "mode",
        "kind", "fn_count", "value", "contribution", "loss_total", "duration", "message", "regularizers",
        "options", "entry_point", "track_grad_norms", "timeout_ms", "max_concurrency", "name", "async",
        "delay_ms", "scale", "datums", "params", "fn", "weight", "future", "cross_entropy",
        "call_started", "fn_started", "fn_stopped", "fn_failed", "call_stopped", "call_failed",
        "CustomLossError",
    ]

    /// A word of at most 16 bytes as two little-endian integers and its length.
    private struct Packed: Equatable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var length = 0

        /// - Parameter bytes: at most 16 of them.
        init(_ bytes: UnsafePointer<UInt8>, count: Int) {
            length = count
            for offset in 0..<min(count, 8) { low |= UInt64(bytes[offset]) << (8 * offset) }
            if count > 8 {
                for offset in 8..<count { high |= UInt64(bytes[offset]) << (8 * (offset - 8)) }
            }
        }

        var slot: Int {
            let mixed = (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
            return Int(truncatingIfNeeded: mixed >> (64 - ProtocolWords.slotBits))
        }
    }

    private static let slotBits = 8
    private static let maximumLength = 16

    /// Open addressing: each word at its slot or the first free one after it.
    private static let table: [(packed: Packed, word: String)?] = {
        var table = [(packed: Packed, word: String)?](repeating: nil, count: 1 << slotBits)
        for word in all where word.utf8.count <= maximumLength {
            guard let packed = Array(word.utf8).withUnsafeBufferPointer({ buffer in
                buffer.baseAddress.map { Packed($0, count: buffer.count) }
            }) else { continue }
            var slot = packed.slot
            while table[slot] != nil { slot = (slot + 1) & (table.count - 1) }
            table[slot] = (packed, word)
        }
        return table
    }()

    /// The word `bytes[range]` spells, if it is one of the protocol's.
    static func word(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        guard range.count > 0, range.count <= maximumLength, range.lowerBound >= 0, range.upperBound <= bytes.count else { return nil }
        guard let packed = bytes.withUnsafeBufferPointer({ buffer in
            buffer.baseAddress.map { Packed($0 + range.lowerBound, count: range.count) }
        }) else { return nil }
        var slot = packed.slot
        while let entry = table[slot] {
            if entry.packed == packed { return entry.word }
            slot = (slot + 1) & (table.count - 1)
        }
        return nil
    }
}
