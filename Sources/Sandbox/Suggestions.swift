/// Did-you-mean for what people mistype (verbs, asset types, option keys): one rule for every
/// face, so the CLI and the daemon's option errors suggest the same thing for the same typo.
public enum Suggestions {
    /// The candidates closest to `word`, best first: those within an edit distance of a third of
    /// its length (at least 2); when none is that close, those it is a prefix of or that are a
    /// prefix of it. Empty when nothing is near.
    public static func closest(to word: String, among candidates: [String], limit: Int = 3) -> [String] {
        guard !word.isEmpty else { return [] }
        let close = candidates.map { (candidate: $0, distance: distance(word, $0)) }
            .filter { $0.distance <= max(2, word.count / 3) }
            .sorted { $0.distance < $1.distance }
            .map(\.candidate)
        if !close.isEmpty { return Array(close.prefix(limit)) }
        return Array(candidates.filter { $0.hasPrefix(word) || word.hasPrefix($0) }.prefix(limit))
    }

    /// Levenshtein distance over characters.
    public static func distance(_ a: String, _ b: String) -> Int {
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
