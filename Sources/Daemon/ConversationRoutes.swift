import CodeServer
import Hummingbird
import Sandbox

/// `/v1/projects/:project/conversations`: start, stop, state (with the newest journal entries),
/// send a user message, cancel running calls, read one call's result.
struct ConversationRoutes {
    let runtime: Runtime

    /// Journal entries a state request returns when it names no `limit`.
    static let defaultTimelineLimit = 100
    static let maximumTimelineLimit = 1000

    func add(to router: Router<DaemonContext>) {
        let base = "/v1/projects/:project/conversations"
        router.get(RouterPath(base)) { _, context in
            let project = try await runtime.project(context.parameters.path("project"))
            return JSONResponse(["conversations": .array(await project.conversationIds.map(JSONValue.string))])
        }
        router.post(RouterPath(base)) { request, context in
            let body = try await JSONBody.read(request, allowed: ["id"])
            let project = try await runtime.project(context.parameters.path("project"))
            let conversation: Conversation
            do {
                conversation = try await project.startConversation(id: body.string("id"))
            } catch {
                throw APIError.from(error)
            }
            return JSONResponse(["project_id": .string(project.id), "id": .string(conversation.id)], status: .created)
        }
        router.get(RouterPath(base + "/:conversation")) { request, context in
            let conversation = try await runtime.conversation(
                context.parameters.path("project"), context.parameters.path("conversation"))
            let limit = try request.queryInt("limit", in: 1...Self.maximumTimelineLimit, default: Self.defaultTimelineLimit)
            var state = await conversation.diagnostics.objectValue ?? [:]
            state["pending_calls"] = .array(await conversation.pendingToolCalls.map(\.json))
            state["timeline"] = .array(await conversation.timeline(limit: limit).map(\.json))
            return JSONResponse(.object(state))
        }
        router.delete(RouterPath(base + "/:conversation")) { _, context in
            let project = try await runtime.project(context.parameters.path("project"))
            let id = try context.parameters.path("conversation")
            do {
                try await project.stopConversation(id)
            } catch {
                throw APIError.from(error)
            }
            return JSONResponse(["project_id": .string(project.id), "id": .string(id), "stopped": true])
        }
        router.post(RouterPath(base + "/:conversation/messages")) { request, context in
            let body = try await JSONBody.read(request, allowed: ["text", "correlation_id"])
            let conversation = try await runtime.conversation(
                context.parameters.path("project"), context.parameters.path("conversation"))
            let text = try body.requiredString("text")
            let outcome: SendOutcome
            do {
                outcome = try await conversation.send(.userMessage(text: text), correlationId: body.string("correlation_id"))
            } catch {
                throw APIError.from(error)
            }
            guard case .recorded(let entry) = outcome, var json = entry.json.objectValue else {
                throw APIError(.internal, status: .internalServerError, "a message was not recorded")
            }
            // Whether a model answers it (a turn in the events of its correlation id) or it is
            // only journaled.
            json["agent"] = await conversation.hasModel ? "model" : "none"
            return JSONResponse(.object(json), status: .created)
        }
        router.post(RouterPath(base + "/:conversation/cancel")) { request, context in
            let body = try await JSONBody.read(request, allowed: ["correlation_id"])
            let conversation = try await runtime.conversation(
                context.parameters.path("project"), context.parameters.path("conversation"))
            let cancelled = await conversation.cancelPendingCalls(correlationId: try body.string("correlation_id"))
            return JSONResponse(["cancelled": .array(cancelled.map(JSONValue.string))])
        }
        router.post(RouterPath(base + "/:conversation/resume")) { request, context in
            _ = try await JSONBody.read(request, allowed: [])
            let conversation = try await runtime.conversation(
                context.parameters.path("project"), context.parameters.path("conversation"))
            do {
                try await conversation.resume()
            } catch {
                throw APIError.from(error)
            }
            return JSONResponse(["resumed": true])
        }
        router.get(RouterPath(base + "/:conversation/llm_context")) { _, context in
            let conversation = try await runtime.conversation(
                context.parameters.path("project"), context.parameters.path("conversation"))
            guard let projection = await conversation.llmContext() else {
                return JSONResponse([
                    "configured": false, "messages": [],
                    "reason": "no model configured (llm_base_url): messages are only journaled",
                ])
            }
            guard var object = projection.objectValue else { return JSONResponse(projection) }
            object["configured"] = true
            return JSONResponse(.object(object))
        }
        router.get(RouterPath(base + "/:conversation/calls/:call")) { _, context in
            let conversation = try await runtime.conversation(
                context.parameters.path("project"), context.parameters.path("conversation"))
            let callId = try context.parameters.path("call")
            guard let result = await conversation.result(of: callId) else {
                throw APIError(.engine("unknown_call"), status: .notFound, "unknown_call: no call with id '\(callId)'")
            }
            return JSONResponse(result.json)
        }
    }
}
