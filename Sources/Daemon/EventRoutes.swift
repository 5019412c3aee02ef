import CodeServer
import Hummingbird
import Sandbox
import Synchronization

/// `/v1/projects/:project/events`: the project's recent events (the bounded ring), or with
/// `?follow=true` a newline-delimited JSON stream of events as they are emitted; either narrowed
/// to one conversation (`?conversation=`) or one request (`?correlation_id=`).
struct EventRoutes {
    let runtime: Runtime

    /// Lines kept for a reader slower than the events; older ones are dropped.
    static let lineBuffer = 1024

    func add(to router: Router<DaemonContext>) {
        router.get("/v1/projects/:project/events") { request, context in
            let project = try await runtime.project(context.parameters.path("project"))
            let filter = EventFilter(
                conversationId: request.queryString("conversation"), correlationId: request.queryString("correlation_id"))
            guard try request.queryBool("follow") else {
                let telemetry = runtime.hub.snapshot(project: project.id).telemetryJSON
                let events = (telemetry["recent_events"]?.arrayValue ?? []).filter(filter.matches)
                return try JSONResponse(["events": .array(events)]).response(from: request, context: context)
            }
            // A slot of the follower budget, held until the stream ends however it ends.
            try runtime.followers.acquire(project: project.id)
            let slot = FollowerSlot(budget: runtime.followers, project: project.id)
            // Subscribed before the response starts, so no event between the two is missed. The
            // hub's bounded buffer drops the oldest unread events for a slow reader, never blocks.
            let events = runtime.hub.subscribe(project: project.id)
            return NDJSONResponse(keepingNewest: Self.lineBuffer).response(
                channel: context.channel, onEnd: { slot.release() }
            ) { stream in
                for await event in events where filter.matches(event.json) { stream.send(event.json) }
            }
        }
    }
}

/// Which events a reader asked for; nil fields match everything.
struct EventFilter: Sendable {
    var conversationId: String?
    var correlationId: String?

    func matches(_ event: JSONValue) -> Bool {
        (conversationId == nil || event["conversation_id"]?.stringValue == conversationId)
            && (correlationId == nil || event["correlation_id"]?.stringValue == correlationId)
    }
}

/// Gives a follower's budget slot back exactly once: when its stream ends, or when the response
/// is dropped before its body ever ran (the client left before the head was written).
final class FollowerSlot: Sendable {
    private let budget: FollowerBudget
    private let project: String
    private let held = Atomic<Bool>(true)

    init(budget: FollowerBudget, project: String) {
        self.budget = budget
        self.project = project
    }

    func release() {
        if held.exchange(false, ordering: .acquiringAndReleasing) { budget.release(project: project) }
    }

    deinit { release() }
}
