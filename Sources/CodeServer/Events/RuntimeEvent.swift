import Sandbox

/// One thing that happened in the runtime, as telemetry, the journal and clients see it: a wire
/// kind (`EventKind`: `tool.started`, `security.network_denied` on the wire), the ids it belongs to, when, and a payload.
///
/// Deliberately small and flat: the telemetry hub (rings, redaction, alerts) and the durable store
/// consume this shape without knowing which layer produced it.
public struct RuntimeEvent: Sendable, Equatable {
    public var name: EventKind
    public var projectId: String
    /// Nil for events outside any conversation (project start, a direct tool call).
    public var conversationId: String?
    /// Nil only for events no request caused (project start and stop).
    public var correlationId: String?
    /// Milliseconds since the Unix epoch, from the runtime's injected clock.
    public var atMs: Int64
    /// Always an object; its members are snake_case like the rest of the wire format.
    public var payload: JSONValue

    public init(
        name: EventKind, projectId: String, conversationId: String? = nil, correlationId: String? = nil, atMs: Int64,
        payload: JSONValue = [:]
    ) {
        self.name = name
        self.projectId = projectId
        self.conversationId = conversationId
        self.correlationId = correlationId
        self.atMs = atMs
        self.payload = payload
    }

    /// The event as one JSON object: the ids, `at` (RFC 3339) and `payload`.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name.rawValue), "project_id": .string(projectId), "at": .string(Timestamp.rfc3339(ms: atMs)),
            "payload": payload,
        ]
        if let conversationId { object["conversation_id"] = .string(conversationId) }
        if let correlationId { object["correlation_id"] = .string(correlationId) }
        return .object(object)
    }
}
