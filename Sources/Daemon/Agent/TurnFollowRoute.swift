import CodeServer
import Hummingbird
import Sandbox
import ServiceLifecycle

/// `GET /v1/projects/:project/conversations/:conversation/turns/:correlation`: the events of one
/// turn (one user message's correlation id) as newline-delimited JSON, from its start (those
/// still in the project's recent events) and then live, ending when the turn ends: the answer
/// (`conversation.assistant.message`), a final `llm.failed`, or `conversation.cancelled`. What
/// `jcs conversation send --follow` prints. Holds a follower slot like `/events?follow=true`.
struct TurnFollowRoute {
    let runtime: Runtime

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/projects/:project/conversations/:conversation/turns/:correlation") { _, context in
            let project = try await runtime.project(context.parameters.path("project"))
            let conversation = try await runtime.conversation(project.id, context.parameters.path("conversation"))
            let correlationId = try context.parameters.path("correlation")
            guard await conversation.hasModel else {
                throw APIError(
                    .engine("no_model"), status: .conflict,
                    "no_model: project '\(project.id)' configures no model (llm_base_url); messages are only journaled")
            }
            try runtime.followers.acquire(project: project.id)
            let slot = FollowerSlot(budget: runtime.followers, project: project.id)
            let filter = EventFilter(conversationId: conversation.id, correlationId: correlationId)
            // Subscribed before the recent events are read, so an event is in one or the other;
            // the ids tell the duplicates apart.
            let live = runtime.hub.subscribe(project: project.id)
            let snapshot = runtime.hub.snapshot(project: project.id)
            let recent = snapshot.recentEvents.filter { filter.matches($0.json) }
            let channel = context.channel
            let body = ResponseBody { writer in
                defer { slot.release() }
                let (lines, output) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(1024))
                let pump = Task {
                    await cancelWhenGracefulShutdown {
                        var lastId: UInt64 = 0
                        for event in recent {
                            output.yield(Self.line(snapshot.marked(event)))
                            lastId = max(lastId, event.id)
                            if Self.endsTurn(event) { return }
                        }
                        for await event in live where filter.matches(event.json) && event.id > lastId {
                            output.yield(Self.line(event.json))
                            if Self.endsTurn(event) { return }
                        }
                    }
                    output.finish()
                }
                defer { pump.cancel() }
                ConnectionGuard.onPeerGone(channel) {
                    pump.cancel()
                    output.finish()
                }
                try await writer.write(lines)
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
        }
    }

    private static func line(_ event: JSONValue) -> ByteBuffer {
        ByteBuffer(bytes: JSONWriter.bytes(event) + [UInt8(ascii: "\n")])
    }

    static func endsTurn(_ event: RuntimeEvent) -> Bool {
        switch event.payload {
        case .conversationAssistantMessage, .conversationCancelled, .conversationStopped: true
        case .llmFailed(let failed): failed.isFinal
        default: false
        }
    }
}
