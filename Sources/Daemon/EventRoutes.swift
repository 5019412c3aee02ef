import CodeServer
import Hummingbird
import Sandbox
import ServiceLifecycle
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
            let channel = context.channel
            let body = ResponseBody { writer in
                defer { slot.release() }
                // The writer cannot leave this closure, so a pump task turns events into lines; it
                // ends on graceful shutdown (a follower would otherwise hold shutdown up until its
                // deadline) and is cancelled when the client goes away (the write throws).
                let (lines, output) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(Self.lineBuffer))
                let pump = Task {
                    await cancelWhenGracefulShutdown {
                        for await event in events where filter.matches(event.json) {
                            output.yield(ByteBuffer(bytes: JSONWriter.bytes(event.json) + [UInt8(ascii: "\n")]))
                        }
                    }
                    output.finish()
                }
                defer { pump.cancel() }
                // A quiet project writes nothing, so a write failing cannot be what tells us the
                // client left: the connection's guard does.
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
