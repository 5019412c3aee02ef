import CodeServer
import Hummingbird
import Sandbox

/// `GET /v1/options`: every runtime option a project takes, with its type, default and meaning
/// (`OptionCatalog`), for `jcs project options` and clients building a start request.
struct OptionRoutes {
    func add(to router: Router<DaemonContext>) {
        router.get("/v1/options") { _, _ in
            JSONResponse(["options": .array(OptionCatalog.all.map(\.json))])
        }
    }
}
