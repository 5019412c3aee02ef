import Hummingbird
import Sandbox

/// What the host can enforce (`jcs doctor`, as the daemon sees it) and a readiness probe.
struct HostRoutes {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        // `degraded` while the journal's latest batch failed (and until one commits): writes are
        // being refused with 503 store_unavailable, and `reason` says why.
        router.get("/v1/health") { _, _ in
            let projects = JSONValue.int(Int64(await runtime.engine.listProjects().count))
            guard let failure = runtime.journal.currentFailure else {
                return JSONResponse(["status": "ok", "projects": projects, "store": ["status": "ok"]])
            }
            let store: JSONValue = [
                "status": "degraded", "reason": .string(failure.reason),
                "since": .string(Timestamp.rfc3339(ms: failure.atMs)),
            ]
            return JSONResponse(["status": "degraded", "reason": .string("store_unavailable: \(failure.reason)"), "projects": projects, "store": store])
        }
        router.get("/v1/doctor") { _, _ in
            JSONResponse(HostCapabilities.probe().json)
        }
    }
}
