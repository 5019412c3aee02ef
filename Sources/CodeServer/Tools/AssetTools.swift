import Sandbox

/// `asset.list {kind?}`.
struct AssetListTool: CoordinatorTool {
    func run(arguments: JSONValue, assets: any AssetStore) throws(ToolFailure) -> JSONValue {
        ["assets": .array(assets.list(kind: arguments["kind"]?.stringValue))]
    }
}

/// `asset.search {query, kind?}`.
struct AssetSearchTool: CoordinatorTool {
    func run(arguments: JSONValue, assets: any AssetStore) throws(ToolFailure) -> JSONValue {
        let query = arguments["query"]?.stringValue ?? ""
        return ["assets": .array(assets.search(query: query, kind: arguments["kind"]?.stringValue))]
    }
}

/// `asset.get {kind, name}`: `{"asset": null}` when there is none, which is an answer, not an error.
struct AssetGetTool: CoordinatorTool {
    func run(arguments: JSONValue, assets: any AssetStore) throws(ToolFailure) -> JSONValue {
        let kind = arguments["kind"]?.stringValue ?? ""
        let name = arguments["name"]?.stringValue ?? ""
        return ["asset": assets.get(kind: kind, name: name) ?? .null]
    }
}
