/// Did-you-mean for what people mistype: verbs, asset types.
enum Suggestion {
    /// The candidate closest to `word` when it is close enough to be a typo (edit distance at most
    /// a third of its length, at least 2), or one that `word` starts; nil otherwise.
    static func best(for word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word, $0)) }.sorted { $0.1 < $1.1 }
        if let (candidate, score) = scored.first, score <= max(2, word.count / 3) { return candidate }
        return candidates.first { !word.isEmpty && $0.hasPrefix(word) }
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
