import Sandbox

/// The project's assets as the gate and the asset tools read them: the catalog of the current
/// snapshot, and the assets themselves. `ProjectAssets` is the real store, loaded from `.jido/`
/// and kept fresh by the watcher.
public protocol AssetStore: Sendable {
    /// The built-in tools plus the current snapshot's commands and workflows.
    var catalog: ToolCatalog { get }
    /// Summaries (`{"kind", "name", "description"}`) of every asset, or of one kind.
    func list(kind: String?) -> [JSONValue]
    /// Summaries of the assets whose name or description contains `query`, ignoring case.
    func search(query: String, kind: String?) -> [JSONValue]
    /// The whole asset, or nil when there is none of that kind and name.
    func get(kind: String, name: String) -> JSONValue?
}
