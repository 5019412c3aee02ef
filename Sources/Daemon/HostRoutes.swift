import Hummingbird
import Sandbox

/// What the host can enforce (`jcs doctor`, as the daemon sees it) and a readiness probe.
struct HostRoutes {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/health") { _, _ in
            JSONResponse(["status": "ok", "projects": .int(Int64(await runtime.engine.listProjects().count))])
        }
        router.get("/v1/doctor") { _, _ in
            JSONResponse(HostCapabilities.probe().json)
        }
    }
}
