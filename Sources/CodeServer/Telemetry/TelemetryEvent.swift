import Sandbox

/// One telemetry event as the hub records it: a name from the runbook's vocabulary (`tool.failed`,
/// `security.sandbox_violation`, …), the ids an operator triages by, and a JSON payload.
///
/// The payload is redacted by `TelemetryHub.emit` before the event is stored, shown or delivered;
/// an event read back from the hub or a store is always the redacted one.
public struct TelemetryEvent: Sendable, Equatable {
    /// The hub's sequence number, unique within one hub and increasing in emit order; 0 until the
    /// hub records the event. Alerts cite it as evidence and the timeline breaks time ties with it.
    public var id: UInt64
    public var name: EventKind
    public var projectId: String
    public var conversationId: String?
    public var correlationId: String?
    /// Milliseconds since the Unix epoch, as the emitter saw it.
    public var atMs: Int64
    public var payload: JSONValue

    public init(
        name: EventKind, projectId: String, conversationId: String? = nil, correlationId: String? = nil,
        atMs: Int64, payload: JSONValue = .object([:]), id: UInt64 = 0
    ) {
        self.id = id
        self.name = name
        self.projectId = projectId
        self.conversationId = conversationId
        self.correlationId = correlationId
        self.atMs = atMs
        self.payload = payload
    }

    /// `{id, event, project_id, conversation_id, correlation_id, at, at_ms, payload}`; absent ids are null.
    public var json: JSONValue {
        .object([
            "id": .uint(id),
            "event": .string(name.rawValue),
            "project_id": .string(projectId),
            "conversation_id": conversationId.map(JSONValue.string) ?? .null,
            "correlation_id": correlationId.map(JSONValue.string) ?? .null,
            "at": .string(Timestamp.rfc3339(ms: atMs)),
            "at_ms": .int(atMs),
            "payload": payload,
        ])
    }
}
