import CodeServer
import Hummingbird
import Sandbox

/// Diagnostics, the incident timeline and alerts: the runbook's read side.
struct TelemetryRoutes {
    let runtime: Runtime

    /// Alerts returned per project when the request names no `limit`.
    static let defaultAlertLimit = 100
    static let maximumAlertLimit = 1000

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
            let limit = try request.queryInt(
                "limit", in: 1...IncidentTimeline.maximumLimit, default: IncidentTimeline.defaultLimit)
            // Read from the journal, not the live conversation: the timeline must work after the
            // conversation, its project or the previous daemon process is gone.
            let timeline: IncidentTimeline
            let everRecorded: Bool
            do {
                timeline = try runtime.journal.incidentTimeline(
                    project: projectId, conversation: conversationId, correlationId: request.queryString("correlation_id"),
                    limit: limit)
                everRecorded =
                    try timeline.totalEntries > 0
                    || runtime.journal.incidentTimeline(project: projectId, conversation: conversationId, correlationId: nil, limit: 1).totalEntries > 0
            } catch {
                throw APIError.from(error)
            }
            // An id the journal has never seen is almost always a typo; an empty timeline would
            // read as "nothing happened" to the operator pulling it mid-incident.
            if !everRecorded, (try? await runtime.conversation(projectId, conversationId)) == nil {
                throw APIError(
                    .engine("unknown_conversation"), status: .notFound, field: "conversation",
                    "unknown_conversation: the journal holds nothing for conversation '\(conversationId)' of project '\(projectId)'")
            }
            return JSONResponse(timeline.json)
        }
        // One request's timeline across the project, no conversation named: a direct call, an MCP
        // call, or a request that touched several conversations.
        router.get("/v1/projects/:project/incident") { request, context in
            let projectId = try context.parameters.path("project")
            guard let correlationId = request.queryString("correlation_id"), !correlationId.isEmpty else {
                throw APIError(
                    .missingField, status: .badRequest, field: "correlation_id",
                    "missing_field: a project's incident timeline needs ?correlation_id= (or name a conversation)")
            }
            let limit = try request.queryInt(
                "limit", in: 1...IncidentTimeline.maximumLimit, default: IncidentTimeline.defaultLimit)
            do {
                return JSONResponse(
                    try runtime.journal.incidentTimeline(
                        project: projectId, conversation: nil, correlationId: correlationId, limit: limit
                    ).json)
            } catch {
                throw APIError.from(error)
            }
        }
        router.get("/v1/alerts") { request, _ in
            let limit = try request.queryInt("limit", in: 1...Self.maximumAlertLimit, default: Self.defaultAlertLimit)
            let projects: [String]
            if let one = request.queryString("project") {
                projects = [one]
            } else {
                // Host-wide alerts (across projects) too: without `project` the route is
                // host-wide already, so only a `*` token gets here.
                projects = await runtime.engine.listProjects().map(\.id) + [Alert.hostScope]
            }
            var alerts: [JSONValue] = []
            do {
                for project in projects {
                    let records = try runtime.journal.recentAuditRecords(project: project, kind: .alerts, limit: limit)
                    alerts += records.map(\.payload.json)
                }
            } catch {
                throw APIError.from(error)
            }
            return JSONResponse(["alerts": .array(alerts)])
        }
    }
}
