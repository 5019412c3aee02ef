import CodeServer
import Hummingbird
import Sandbox

/// `/v1/projects/:project/tools`: the catalog, and runs through the one gate. A run inside a
/// conversation goes through the conversation (journal, queue, cancellation); an async run outside
/// one is held by `DetachedCalls` and read back at `/v1/projects/:project/calls/:call`.
struct ToolRoutes {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/projects/:project/tools") { _, context in
            let project = try await runtime.project(context.parameters.path("project"))
            return JSONResponse(project.catalog.json)
        }
        router.post("/v1/projects/:project/tools/:tool/run") { request, context in
            let body = try await JSONBody.read(request, allowed: ["args", "conversation", "correlation_id", "async"])
            let project = try await runtime.project(context.parameters.path("project"))
            let tool = try context.parameters.path("tool")
            let arguments = try body.object("args") ?? [:]
            let correlationId = try body.string("correlation_id")
            let runAsync = try body.bool("async") ?? false
            let gateway = Self.gateway(of: request, context: context)
            guard let conversationId = try body.string("conversation") else {
                let call = ToolCall(tool: tool, arguments: arguments, correlationId: correlationId, gateway: gateway)
                guard runAsync else { return JSONResponse(await project.execute(call).json) }
                try await runtime.detached.start(call, in: project)
                // The same answer as an async call accepted by a conversation, plus the project
                // its result is read back from.
                let pending = PendingToolCall(
                    callId: call.id, tool: tool, correlationId: call.correlationId, runMode: .async,
                    acceptedAtMs: SystemClock().nowMs())
                var accepted = pending.json.objectValue ?? [:]
                accepted["project_id"] = .string(project.id)
                return JSONResponse(.object(accepted), status: .accepted)
            }
            let conversation: Conversation
            do {
                conversation = try await project.conversation(conversationId)
            } catch {
                throw APIError.from(error)
            }
            let outcome: SendOutcome
            do {
                outcome = try await conversation.send(
                    .toolRequest(tool: tool, arguments: arguments, runMode: runAsync ? .async : .sync),
                    correlationId: correlationId, gateway: gateway)
            } catch {
                throw APIError.from(error)
            }
            switch outcome {
            case .completed(let result): return JSONResponse(result.json)
            case .accepted(let pending): return JSONResponse(pending.json, status: .accepted)
            case .recorded(let entry): return JSONResponse(entry.json)
            }
        }
    }

    /// The `jcs` CLI says so in `X-JCS-Client: cli`, and its calls count as `cli` for the
    /// project's `protocol_allowlist`; any other client of the socket is `http`. Both are local
    /// callers the peer-credential check already admitted, so the header grants nothing extra.
    /// A caller on the TCP listener is `http` whatever its headers say.
    static func gateway(of request: Request, context: DaemonContext) -> Gateway {
        !context.isRemote && request.headers[.init("X-JCS-Client")!] == "cli" ? .cli : .http
    }
}
