import Sandbox
import Synchronization

/// A project's asset store: the current snapshot, swapped whole under a lock, and the reload that
/// builds the next one. Readers (the gate, the asset tools) take the snapshot and never wait for a
/// reload; reloads (watcher, `reloadAssets`) are serialized so generations are strictly ordered.
public final class ProjectAssets: AssetStore {
    private let loader: AssetLoader
    private let strict: Bool
    private let current: Mutex<AssetSnapshot>
    /// Held for a whole reload, so two reloads never interleave their load and swap.
    private let reloading = Mutex(())

    /// Loads the first snapshot (generation 1). With `strict_asset_loading`, any issue fails it.
    @available(*, noasync)
    init(loader: AssetLoader, strict: Bool) throws(ProjectError) {
        let first = loader.load(generation: 1)
        if strict && !first.issues.isEmpty { throw .invalidAssets(first.issues) }
        self.loader = loader
        self.strict = strict
        current = Mutex(first)
    }

    public var snapshot: AssetSnapshot { current.withLock { $0 } }

    /// Reads `.jido/` again and swaps the snapshot in, unless strict loading refuses it.
    @available(*, noasync)
    func reload() -> AssetReloadResult {
        reloading.withLock { _ in
            let generation = snapshot.generation
            let next = loader.load(generation: generation + 1)
            if strict && !next.issues.isEmpty {
                return AssetReloadResult(outcome: .rejected, generation: generation, counts: next.counts, issues: next.issues)
            }
            current.withLock { $0 = next }
            return AssetReloadResult(outcome: .applied, generation: next.generation, counts: next.counts, issues: next.issues)
        }
    }

    // MARK: - AssetStore

    public var catalog: ToolCatalog { snapshot.catalog }

    public func list(kind: String?) -> [JSONValue] {
        guard let kinds = Self.kind(kind) else { return [] }
        return snapshot.assets(kind: kinds).map(Self.summary)
    }

    public func search(query: String, kind: String?) -> [JSONValue] {
        guard let kinds = Self.kind(kind) else { return [] }
        let needle = query.lowercased()
        return snapshot.assets(kind: kinds).filter {
            $0.name.lowercased().contains(needle) || $0.description.lowercased().contains(needle)
        }.map(Self.summary)
    }

    public func get(kind: String, name: String) -> JSONValue? {
        guard let kind = AssetKind(rawValue: kind) else { return nil }
        return snapshot.assets(kind: kind).first { $0.name == name }?.json
    }

    /// `.some(nil)` for every kind, nil for an unknown kind name (the schema refuses those first).
    private static func kind(_ name: String?) -> AssetKind?? {
        guard let name else { return .some(nil) }
        return AssetKind(rawValue: name).map { .some($0) }
    }

    private static func summary(_ asset: (kind: AssetKind, name: String, description: String, json: JSONValue)) -> JSONValue {
        ["kind": .string(asset.kind.rawValue), "name": .string(asset.name), "description": .string(asset.description)]
    }
}
