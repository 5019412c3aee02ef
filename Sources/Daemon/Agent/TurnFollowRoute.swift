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
            let feed = TurnFeed(runtime: runtime, projectId: project.id, conversationId: conversation.id, correlationId: correlationId)
            return NDJSONResponse(keepingNewest: EventRoutes.lineBuffer).response(
                channel: context.channel, onEnd: { slot.release() }
            ) { stream in
                _ = await feed.run { stream.send($1) }
            }
        }
    }
}

/// The events of one turn, from its start (those still in the project's recent events) and then
/// live, up to and including the one that ends it. Subscribed when made: make it before sending
/// the message whose turn it follows, and nothing is missed. The one feed of a turn, for
/// `TurnFollowRoute` and the A2A face alike.
struct TurnFeed: Sendable {
    let live: AsyncStream<TelemetryEvent>
    /// The turn's events already in the ring, each with its wire form as the ring shows it.
    let recent: [(event: RuntimeEvent, json: JSONValue)]
    let filter: EventFilter

    init(runtime: Runtime, projectId: String, conversationId: String, correlationId: String) {
        filter = EventFilter(conversationId: conversationId, correlationId: correlationId)
        // Subscribed before the recent events are read, so an event is in one or the other;
        // the ids tell the duplicates apart.
        live = runtime.hub.subscribe(project: projectId)
        let snapshot = runtime.hub.snapshot(project: projectId)
        let filter = filter
        recent = snapshot.recentEvents.filter { filter.matches($0.json) }.map { ($0, snapshot.marked($0)) }
    }

    /// Hands each event of the turn to `yield` (typed, and in the wire form the events route
    /// shows), in order; returns true after the one that ended the turn, false when the task was
    /// cancelled first.
    @discardableResult
    func run(_ yield: (RuntimeEvent, JSONValue) -> Void) async -> Bool {
        var lastId: UInt64 = 0
        for (event, json) in recent {
            yield(event, json)
            lastId = max(lastId, event.id)
            if Self.endsTurn(event) { return true }
        }
        for await event in live where filter.matches(event.json) && event.id > lastId {
            yield(event, event.json)
            if Self.endsTurn(event) { return true }
        }
        return false
    }

    static func endsTurn(_ event: RuntimeEvent) -> Bool {
        switch event.payload {
        case .conversationAssistantMessage, .conversationCancelled, .conversationStopped: true
        case .llmFailed(let failed): failed.isFinal
        default: false
        }
    }
}
