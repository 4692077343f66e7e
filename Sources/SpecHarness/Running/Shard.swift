/// One of N deterministic parts of a suite, for CI matrices: `--shard 2/4`.
///
/// A case's shard depends only on its id (FNV-1a), so adding or removing cases never moves
/// the others between shards.
package struct Shard: Sendable, Equatable {
    /// 1-based.
    package var index: Int
    package var count: Int

    /// Parses `I/N` with 1 <= I <= N.
    package init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
            (1...count).contains(index)
        else { return nil }
        self.index = index
        self.count = count
    }

    package func contains(_ caseID: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in caseID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count)) == index - 1
    }
}
