import CodeServer
import Hummingbird
import Sandbox

/// Diagnostics, the incident timeline and alerts: the runbook's read side.
struct TelemetryRoutes {
    let runtime: Runtime

    /// Alerts returned per project when the request names no `limit`.
    static let defaultAlertLimit = 100

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/projects/:project/diagnostics") { _, context in
            let project = try await runtime.project(context.parameters.path("project"))
            let sections = await project.diagnostics
            let document = Diagnostics(
                runtimeOptions: sections["options"] ?? .null, assets: sections["assets"] ?? .null,
                conversations: sections["conversations"] ?? .null, sandbox: sections["execution"] ?? .null
            ).json(project: project.id, hub: runtime.hub)
            return JSONResponse(document)
        }
        router.get("/v1/projects/:project/conversations/:conversation/incident") { request, context in
            let projectId = try context.parameters.path("project")
            let conversationId = try context.parameters.path("conversation")
            let limit = try request.queryInt("limit") ?? IncidentTimeline.defaultLimit
            guard (1...IncidentTimeline.maximumLimit).contains(limit) else {
                throw APIError(
                    .invalidField, status: .badRequest, field: "limit",
                    "limit must be between 1 and \(IncidentTimeline.maximumLimit)")
            }
            // Read from the journal, not the live conversation: the timeline must work after the
            // conversation, its project or the previous daemon process is gone.
            do {
                let timeline = try runtime.journal.incidentTimeline(
                    project: projectId, conversation: conversationId, correlationId: request.queryString("correlation_id"),
                    limit: limit)
                return JSONResponse(timeline.json)
            } catch {
                throw APIError.from(error)
            }
        }
        router.get("/v1/alerts") { request, _ in
            let limit = try request.queryInt("limit") ?? Self.defaultAlertLimit
            let projects: [String]
            if let one = request.queryString("project") {
                projects = [one]
            } else {
                projects = await runtime.engine.listProjects().map(\.id)
            }
            var alerts: [JSONValue] = []
            do {
                for project in projects {
                    let records = try runtime.journal.recentAuditRecords(project: project, kind: .alerts, limit: max(1, limit))
                    alerts += records.map(\.payload)
                }
            } catch {
                throw APIError.from(error)
            }
            return JSONResponse(["alerts": .array(alerts)])
        }
    }
}
