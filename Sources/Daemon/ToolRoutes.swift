import CodeServer
import Hummingbird
import NIOCore
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
            let body = try await JSONBody.read(
                request, allowed: ["args", "conversation", "correlation_id", "async", "stream"])
            let project = try await runtime.project(context.parameters.path("project"))
            let tool = try context.parameters.path("tool")
            let arguments = try body.object("args") ?? [:]
            let correlationId = try body.string("correlation_id")
            let runAsync = try body.bool("async") ?? false
            let stream = try body.bool("stream") ?? false
            let gateway = Self.gateway(of: request, context: context)
            guard let conversationId = try body.string("conversation") else {
                let call = ToolCall(tool: tool, arguments: arguments, correlationId: correlationId, gateway: gateway)
                if stream {
                    guard !runAsync else {
                        throw APIError(.invalidField, status: .badRequest, field: "stream", "stream and async exclude each other")
                    }
                    return try await Self.streamed(call, in: project, runtime: runtime, channel: context.channel)
                }
                guard runAsync else {
                    Trace.mark("api: call parsed \(call.id)")
                    let result = await project.execute(call)
                    Trace.mark("api: gate returned \(call.id)")
                    let response = try JSONResponse(result.json).response(from: request, context: context)
                    Trace.mark("api: answer encoded \(call.id)")
                    return response
                }
                try await runtime.detached.start(call, in: project)
                // The same answer as an async call accepted by a conversation, plus the project
                // its result is read back from.
                let pending = PendingToolCall(
                    callId: call.id, tool: tool, correlationId: call.correlationId, runMode: .async,
                    acceptedAtMs: SystemClock().nowMs())
                var accepted = pending.json.objectValue ?? [:]
                accepted["project_id"] = .string(project.id)
                return try JSONResponse(.object(accepted), status: .accepted).response(from: request, context: context)
            }
            guard !stream else {
                throw APIError(.invalidField, status: .badRequest, field: "stream", "stream is for calls outside a conversation; follow a conversation with GET …/events?follow=true")
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
            case .completed(let result): return try JSONResponse(result.json).response(from: request, context: context)
            case .accepted(let pending):
                return try JSONResponse(pending.json, status: .accepted).response(from: request, context: context)
            case .recorded(let entry): return try JSONResponse(entry.json).response(from: request, context: context)
            }
        }
    }

    /// A run with `stream: true`: an NDJSON answer that starts at once with `{"event": "started",
    /// "call_id", "correlation_id", "project_id"}`, then `output` chunks and `violation`s as the
    /// tool produces them, then `{"event": "result", "result": …}` (`docs/api.md`). The call is
    /// held like an async one (`DetachedCalls`): a client that goes away leaves it running, and
    /// `POST …/calls/:call/cancel` cancels it. The stream is bounded by the call's own output cap.
    static func streamed(_ call: ToolCall, in project: Project, runtime: Runtime, channel: any Channel) async throws -> Response {
        // Unbounded: the call's own output cap bounds what it can send, and no line may be lost.
        let stream = NDJSONResponse(keepingNewest: nil)
        stream.send([
            "event": "started", "call_id": .string(call.id), "correlation_id": .string(call.correlationId),
            "project_id": .string(project.id), "tool": .string(call.tool),
        ])
        try await runtime.detached.start(call, in: project) { stream.send($0.json) }
        let detached = runtime.detached
        let projectId = project.id
        // The call ends by itself (its timeout), so shutdown lets it finish within the grace; it
        // runs on if the client leaves (only the stream ends).
        return stream.response(channel: channel, endsOnShutdown: false) { stream in
            if let result = try? await detached.result(of: call.id, project: projectId) {
                stream.send(["event": "result", "result": result.json])
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
