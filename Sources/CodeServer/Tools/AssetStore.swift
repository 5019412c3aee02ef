import Sandbox

/// The project's assets (skills, commands, workflows) as the asset tools read them. The assets
/// issue provides the real store, loaded from `.jido/` and kept fresh by the watcher; until then
/// a project has `EmptyAssetStore` and the asset tools answer with empty results.
public protocol AssetStore: Sendable {
    /// Summaries (`{"kind", "name", "description"}`) of every asset, or of one kind.
    func list(kind: String?) -> [JSONValue]
    /// Summaries of the assets whose name or description contains `query`, ignoring case.
    func search(query: String, kind: String?) -> [JSONValue]
    /// The whole asset, or nil when there is none of that kind and name.
    func get(kind: String, name: String) -> JSONValue?
}

/// A project without assets.
public struct EmptyAssetStore: AssetStore {
    public init() {}

    public func list(kind: String?) -> [JSONValue] { [] }
    public func search(query: String, kind: String?) -> [JSONValue] { [] }
    public func get(kind: String, name: String) -> JSONValue? { nil }
}
