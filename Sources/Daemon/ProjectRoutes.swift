import CodeServer
import Hummingbird
import Sandbox

/// `/v1/projects`: start (with runtime options), stop, list. Each handler decodes, makes one
/// engine call and encodes.
struct ProjectRoutes {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/projects") { _, _ in
            JSONResponse(["projects": .array(await runtime.engine.listProjects().map(\.json))])
        }
        router.post("/v1/projects") { request, _ in
            let body = try await JSONBody.read(request, allowed: ["root", "id", "options"])
            let root = try body.requiredString("root")
            let id = try body.string("id")
            if let id, let problem = ProjectIdRule.problem(id) {
                throw APIError(.invalidField, status: .badRequest, field: "id", "id '\(id)' \(problem)")
            }
            let options = try body.object("options") ?? [:]
            let project: Project
            do {
                project = try await runtime.engine.startProject(root: root, options: options, id: id)
            } catch {
                throw APIError.from(error)
            }
            return JSONResponse(
                ["id": .string(project.id), "root": .string(project.root), "profile": .string(project.profile.name)],
                status: .created)
        }
        router.delete("/v1/projects/:project") { _, context in
            let id = try context.parameters.path("project")
            await runtime.detached.cancelAll(project: id)
            do {
                try await runtime.engine.stopProject(id)
            } catch {
                throw APIError.from(error)
            }
            return JSONResponse(["id": .string(id), "stopped": true])
        }
    }
}
