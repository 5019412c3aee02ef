import CodeServer
import Hummingbird
import Sandbox

/// `/v1/projects/:project/calls/:call`: async calls made outside a conversation, read back (the
/// request waits while the call runs) or cancelled.
struct CallRoutes {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/projects/:project/calls/:call") { _, context in
            let result = try await runtime.detached.result(
                of: context.parameters.path("call"), project: context.parameters.path("project"))
            return JSONResponse(result.json)
        }
        router.post("/v1/projects/:project/calls/:call/cancel") { request, context in
            _ = try await JSONBody.read(request, allowed: [])
            let result = try await runtime.detached.cancel(
                context.parameters.path("call"), project: context.parameters.path("project"))
            return JSONResponse(result.json)
        }
    }
}
