/// Suggests the closest known word for a misspelt one, as compilers do for identifiers.
enum DidYouMean {
    /// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
    static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        let limit = max(1, min(word.count, best.0.count) / 3)
        return best.1 <= limit ? best.0 : nil
    }

    /// " (did you mean 'x'?)" or an empty string.
    static func phrase(for word: String, among candidates: some Sequence<String>) -> String {
        suggestion(for: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Edits between the words, a swap of two neighbouring letters (`valeu`, `wieght`) counting
    /// as one, as it is one slip of the fingers (optimal string alignment distance).
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let lhs = Array(lhs)
        let rhs = Array(rhs)
        if lhs.isEmpty { return rhs.count }
        if rhs.isEmpty { return lhs.count }
        var beforePrevious: [Int] = []
        var previous = Array(0...rhs.count)
        for (i, left) in lhs.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: rhs.count)
            for (j, right) in rhs.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1))
                if i > 0, j > 0, left == rhs[j - 1], lhs[i - 1] == right {
                    current[j + 1] = Swift.min(current[j + 1], beforePrevious[j - 1] + 1)
                }
            }
            beforePrevious = previous
            previous = current
        }
        return previous[rhs.count]
    }
}
