import CodeServer
import Hummingbird
import Sandbox

/// `/v1/projects/:project/assets`: list, get (`?name=`), search (`?search=`) one kind, and reload.
struct AssetRoutes {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        router.post("/v1/projects/:project/assets/reload") { request, context in
            _ = try await JSONBody.read(request, allowed: [])
            let id = try context.parameters.path("project")
            do {
                return JSONResponse(try await runtime.engine.reloadAssets(id).json)
            } catch {
                throw APIError.from(error)
            }
        }
        router.get("/v1/projects/:project/assets/:type") { request, context in
            let project = try await runtime.project(context.parameters.path("project"))
            let type = try context.parameters.path("type")
            guard AssetKind(rawValue: type) != nil else {
                let kinds = AssetKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError(.invalidField, status: .badRequest, field: "type", "unknown asset type '\(type)' (\(kinds))")
            }
            switch (request.queryString("name"), request.queryString("search")) {
            case (let name?, nil):
                guard let asset = project.assets.get(kind: type, name: name) else {
                    throw APIError(.engine("unknown_asset"), status: .notFound, "unknown_asset: no \(type) named '\(name)'")
                }
                return JSONResponse(asset)
            case (nil, let text?):
                return JSONResponse(["assets": .array(project.assets.search(query: text, kind: type))])
            case (nil, nil):
                return JSONResponse(["assets": .array(project.assets.list(kind: type))])
            case (.some, .some):
                throw APIError(.invalidField, status: .badRequest, field: "search", "give either 'name' or 'search', not both")
            }
        }
    }
}
