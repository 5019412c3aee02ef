import Sandbox

/// One thing that happened in the runtime, as the gate, conversations, telemetry, alerts, metrics,
/// the journal and clients all see it: a typed payload (whose case is the kind: `tool.started`,
/// `security.network_denied` on the wire), the ids it belongs to, when, and the hub's number.
///
/// The one event shape: what an emitter builds (with `id` 0) is what the hub numbers, redacts,
/// stores, shows and delivers. The policy builds payloads only (`Decision.events`); the runner
/// gives them the call's ids.
public struct RuntimeEvent: Sendable, Equatable {
    /// The hub's sequence number, unique within one hub and increasing in emit order; 0 until the
    /// hub records the event. Read back from the journal it is the row id (unique across
    /// restarts). Alerts cite it as evidence and the timeline breaks time ties with it.
    public var id: UInt64
    public var projectId: String
    /// Nil for events outside any conversation (project start, a direct tool call).
    public var conversationId: String?
    /// Nil only for events no request caused (project start and stop).
    public var correlationId: String?
    /// Milliseconds since the Unix epoch, from the emitter's clock.
    public var atMs: Int64
    public var payload: EventPayload
    /// Set when the event is also an entry of its conversation's journal: the conversation's own
    /// numbering (1, 2, 3… per conversation start), which its projections page by. Such an event
    /// is stored once, as one row, and read back both as an event and as a journal entry.
    public var entrySequence: Int?

    /// The kind, from the payload: the two cannot disagree.
    public var name: EventKind { payload.kind }

    public init(
        projectId: String, conversationId: String? = nil, correlationId: String? = nil, atMs: Int64,
        payload: EventPayload, id: UInt64 = 0, entrySequence: Int? = nil
    ) {
        self.id = id
        self.projectId = projectId
        self.conversationId = conversationId
        self.correlationId = correlationId
        self.atMs = atMs
        self.payload = payload
        self.entrySequence = entrySequence
    }

    /// `{id, event, project_id, conversation_id, correlation_id, at, at_ms, payload}`; absent ids
    /// are null; `entry_sequence` only for an event that is a conversation's journal entry. The form of `GET /v1/projects/:id/events`, `jcs events --json` and alert sinks.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .uint(id),
            "event": .string(name.rawValue),
            "project_id": .string(projectId),
            "conversation_id": conversationId.map(JSONValue.string) ?? .null,
            "correlation_id": correlationId.map(JSONValue.string) ?? .null,
            "at": .string(Timestamp.rfc3339(ms: atMs)),
            "at_ms": .int(atMs),
            "payload": payload.json,
        ]
        if let entrySequence { object["entry_sequence"] = .int(Int64(entrySequence)) }
        return .object(object)
    }

    /// The strict reader of `json`: what a client (the CLI) gets back from the API.
    public init(json: JSONValue) throws(EventPayloadError) {
        guard case .object(let members) = json, case .string(let word)? = members["event"] else {
            throw EventPayloadError(kind: nil, field: "event", reason: "missing or not a string")
        }
        guard let kind = EventKind(rawValue: word) else {
            throw EventPayloadError(kind: nil, field: "event", reason: "unknown event '\(word.prefix(80))'")
        }
        var r = try PayloadReader(kind: kind, json: json)
        _ = try r.string("event")
        do throws(EventPayloadError) {
            id = try r.uint("id")
            projectId = try r.string("project_id")
            conversationId = try r.optionalString("conversation_id")
            correlationId = try r.optionalString("correlation_id")
            atMs = try r.int("at_ms")
            _ = try r.time("at")
            payload = try EventPayload(kind: kind, json: try r.json("payload"))
            entrySequence = try r.optionalInt("entry_sequence").map { Int($0) }
            // Diagnostics mark events of a project's earlier incarnation (`ProjectTelemetrySnapshot`).
            if let mark = r.optionalJSON("before_restart"), mark.boolValue == nil {
                throw r.fail("before_restart", "not a boolean")
            }
            try r.finish()
        } catch {
            throw EventPayloadError(kind: kind, field: error.field, reason: error.reason)
        }
    }
}
