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
        // What the coordinator holds in memory and what bounds it (docs/architecture.md,
        // "Memory"): the process as the kernel counts it, the store's caches, the results kept
        // for read-back by conversations and by async calls. Each figure is read where it lives,
        // so a structure that grows shows up by name instead of as RSS alone.
        router.get("/v1/memory") { _, _ in
            var conversations = 0
            var keptResults = 0
            var keptBytes = 0
            for summary in await runtime.engine.listProjects() {
                guard let project = try? await runtime.engine.project(summary.id) else { continue }
                for id in await project.conversationIds {
                    guard let conversation = try? await project.conversation(id) else { continue }
                    let usage = await conversation.keptResultsUsage
                    conversations += 1
                    keptResults += usage.count
                    keptBytes += usage.bytes
                }
            }
            let detached = await runtime.detached.usage
            return JSONResponse([
                "process": ProcessMemory.current()?.json ?? .null,
                "store": runtime.journal.memoryJSON,
                "conversations": [
                    "count": .int(Int64(conversations)), "kept_results": .int(Int64(keptResults)),
                    "kept_result_bytes": .int(Int64(keptBytes)),
                ],
                "detached_calls": [
                    "count": .int(Int64(detached.calls)), "kept_result_bytes": .int(Int64(detached.keptBytes)),
                    "kept_result_bound": .int(Int64(runtime.limits.maxKeptResultBytes)),
                ],
            ])
        }
    }
}
