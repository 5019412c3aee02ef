import CodeServer
import Hummingbird
import Sandbox

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
            let recent = (runtime.hub.snapshot(project: project.id).telemetryJSON["recent_events"]?.arrayValue ?? [])
                .filter(filter.matches)
            return NDJSONResponse(keepingNewest: EventRoutes.lineBuffer).response(
                channel: context.channel, onEnd: { slot.release() }
            ) { stream in
                var lastId: UInt64 = 0
                for event in recent {
                    stream.send(event)
                    lastId = max(lastId, event["id"]?.uint64Value ?? 0)
                    if Self.endsTurn(event) { return }
                }
                for await event in live where filter.matches(event.json) && event.id > lastId {
                    stream.send(event.json)
                    if Self.endsTurn(event.json) { return }
                }
            }
        }
    }

    static func endsTurn(_ event: JSONValue) -> Bool {
        switch event["event"]?.stringValue.flatMap(EventKind.init(rawValue:)) {
        case .conversationAssistantMessage, .conversationCancelled, .conversationStopped: true
        case .llmFailed: event["payload"]?["final"]?.boolValue == true
        default: false
        }
    }
}
