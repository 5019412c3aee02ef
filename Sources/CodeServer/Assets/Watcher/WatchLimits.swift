import Synchronization

/// The directories the watcher left unwatched because a bound was hit (`watcher_max_directories`,
/// `watcher_max_depth`), by path relative to `.jido/`. The loader turns them into `limit_reached`
/// asset errors of each snapshot, so the operator sees that live reload is partial, and why.
public final class WatchLimits: Sendable {
    private let hits = Mutex<[String: String]>([:])

    public init() {}

    /// Paths kept: past this, further hits are not recorded one by one (the first ones already
    /// say which bound was hit), so a tool making a million directories costs a bounded map.
    static let maximumRecorded = 64

    func record(_ relative: String, reason: String) {
        hits.withLock { if $0.count < Self.maximumRecorded || $0[relative] != nil { $0[relative] = reason } }
    }

    func clear(_ relative: String) { _ = hits.withLock { $0.removeValue(forKey: relative) } }

    /// The hits as asset errors, sorted by path (`.jido/…`).
    func issues() -> [AssetIssue] {
        hits.withLock { $0 }.sorted { $0.key < $1.key }.map { relative, reason in
            let first = relative.split(separator: "/").first.map(String.init) ?? ""
            let kind = AssetKind.allCases.first { $0.directory == first } ?? .skill
            return AssetIssue(kind: kind, path: "\(AssetLoader.directory)/\(relative)", code: .limitReached, reason: reason)
        }
    }
}
