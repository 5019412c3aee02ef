import CodeServer
import Sandbox

/// Tells every MCP session with an open GET stream that its project's lists changed, when the
/// project's assets reload (`project.assets_reloaded`, from the watcher or `reload-assets`):
/// commands and workflows are tools, skills are prompts, every asset is a resource, so all three
/// `list_changed` notifications go out and the client re-lists what it shows.
///
/// A hub subscription, like `MetricsFeed`: nothing is added to the reload path, and a burst of
/// reloads past the subscription's buffer loses only notifications that say the same thing.
/// Each session's stream is bounded on its own (`SSEStream`): a client that never reads loses its
/// oldest notifications, and no send ever waits for it.
enum MCPListChangedFeed {
    static let notifications = [
        "notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed",
    ]

    static func start(hub: TelemetryHub, sessions: MCPSessions) {
        // Subscribed here, synchronously, so no reload after the router exists is missed.
        let events = hub.subscribe()
        // At the default priority, not `.utility`: why in `PreparePriority`.
        Task.detached {
            for await event in events where event.name == EventKind.projectAssetsReloaded {
                let streams = sessions.streams(of: event.projectId)
                guard !streams.isEmpty else { continue }
                for method in notifications {
                    let notification = MCPNotification.event(method: method, params: nil)
                    for stream in streams { stream.send(notification) }
                }
            }
        }
    }
}

/// A server-to-client JSON-RPC notification as one SSE `message` event, the event name the
/// Streamable HTTP transport reads.
enum MCPNotification {
    static func event(method: String, params: JSONValue?) -> SSEEvent {
        var object: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        return message(.object(object))
    }

    static func message(_ value: JSONValue) -> SSEEvent {
        SSEEvent(event: "message", data: JSONWriter.text(value))
    }
}
