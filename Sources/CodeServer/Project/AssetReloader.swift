import Sandbox

/// Reloads a project's assets and reports every reload as an event: `project.assets_reloaded`
/// when a snapshot went in, `project.watcher_reload_failed` when strict loading refused one. The
/// watcher calls it on its own thread with the paths that changed; `reloadAssets` calls it on a
/// `BlockingThread`.
final class AssetReloader: Sendable {
    /// What caused a reload, as the events' `trigger`.
    enum Trigger: Sendable {
        case watcher(changedPaths: [String])
        case manual

        var name: String {
            switch self {
            case .watcher: "watcher"
            case .manual: "manual"
            }
        }

        var changedPaths: [String] {
            if case .watcher(let paths) = self { paths } else { [] }
        }
    }

    let projectId: String
    let assets: ProjectAssets
    private let sink: any RuntimeEventSink
    private let clock: any RuntimeClock
    /// The data directory relative to `.jido/` when it lies inside it: its writes are not asset
    /// changes.
    private let dataDirInside: String?

    init(projectId: String, assets: ProjectAssets, dataDir: String, sink: any RuntimeEventSink, clock: any RuntimeClock) {
        self.projectId = projectId
        self.assets = assets
        self.sink = sink
        self.clock = clock
        let prefix = AssetLoader.directory + "/"
        dataDirInside = dataDir.hasPrefix(prefix) ? String(dataDir.dropFirst(prefix.count)) : nil
    }

    @available(*, noasync)
    func reload(_ trigger: Trigger) -> AssetReloadResult {
        let result = assets.reload()
        let counts = Dictionary(uniqueKeysWithValues: result.counts.map { ($0.key.rawValue, Int64($0.value)) })
        switch result.outcome {
        case .applied:
            let reloaded = AssetsReloaded(
                generation: Int64(result.generation), counts: counts, errorCount: Int64(result.issues.count),
                trigger: trigger.name, changedPaths: trigger.changedPaths)
            sink.emit(RuntimeEvent(projectId: projectId, atMs: clock.nowMs(), payload: .projectAssetsReloaded(reloaded)))
        case .rejected:
            let failed = WatcherReloadFailed(
                trigger: trigger.name, changedPaths: trigger.changedPaths,
                error: "strict_asset_loading: \(result.issues.count) invalid asset file(s); generation \(result.generation) kept",
                rejected: WatcherReloadFailed.Rejected(
                    generation: Int64(result.generation), counts: counts, errorCount: Int64(result.issues.count),
                    errors: result.issues.map(\.json)))
            sink.emit(RuntimeEvent(projectId: projectId, atMs: clock.nowMs(), payload: .projectWatcherReloadFailed(failed)))
        }
        return result
    }

    /// A debounced batch from the watcher: reloads unless every change is outside the asset
    /// directories (the data directory, a stray file in `.jido/`).
    @available(*, noasync)
    func watcherBatch(_ batch: WatchLoop.Batch) {
        var paths: [String] = []
        for change in batch {
            switch change {
            case .rescan:
                paths.append(AssetLoader.directory)
            case .path(let relative):
                guard isAssetPath(relative) else { continue }
                paths.append("\(AssetLoader.directory)/\(relative)")
            }
        }
        guard !paths.isEmpty else { return }
        _ = reload(.watcher(changedPaths: paths.sorted()))
    }

    /// The watcher could not start: reported once, and the project runs without live reload.
    func watcherUnavailable(_ error: WatcherError) {
        let failed = WatcherReloadFailed(trigger: "watcher", changedPaths: [], error: error.description)
        sink.emit(RuntimeEvent(projectId: projectId, atMs: clock.nowMs(), payload: .projectWatcherReloadFailed(failed)))
    }

    private func isAssetPath(_ relative: String) -> Bool {
        if let dataDirInside, relative == dataDirInside || relative.hasPrefix(dataDirInside + "/") { return false }
        let first = relative.split(separator: "/").first.map(String.init) ?? ""
        return AssetKind.allCases.contains { $0.directory == first }
    }
}
