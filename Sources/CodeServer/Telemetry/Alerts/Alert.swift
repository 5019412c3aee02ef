import Sandbox

/// An alert: what a rule concluded, with the events that made it conclude so, routed to sinks.
public struct Alert: Sendable, Equatable {
    public enum Severity: String, Sendable {
        case page
        case warning
        case ticket
    }

    /// The runbook's escalation criteria: `immediate` (any sandbox violation, repeated timeout
    /// failures across projects), `sameDay` (persistent watcher or loader failures), else `none`.
    public enum Escalation: String, Sendable {
        case none
        case sameDay = "same_day"
        case immediate
    }

    /// One triggering event, cited by the hub's id.
    public struct Evidence: Sendable, Equatable {
        public var eventId: UInt64
        public var name: EventKind
        public var projectId: String
        public var atMs: Int64
        public var correlationId: String?
        /// The conversation the call belonged to; nil for a call made outside one.
        public var conversationId: String?
        /// The tool call the event is about (`payload.call_id`); nil for events of no call.
        public var callId: String?
        /// The tool (`payload.tool`), and why (`payload.reason`), when the event says.
        public var tool: String?
        public var reason: String?

        public init(_ event: TelemetryEvent) {
            eventId = event.id
            name = event.name
            projectId = event.projectId
            atMs = event.atMs
            correlationId = event.correlationId
            conversationId = event.conversationId
            callId = event.payload["call_id"]?.stringValue
            tool = event.payload["tool"]?.stringValue
            reason = event.payload["reason"]?.stringValue
        }

        /// Everything `jcs incident PROJECT [CONVERSATION] --correlation-id ID` needs to put the
        /// event on its timeline.
        public var json: JSONValue {
            .object([
                "event_id": .uint(eventId), "event": .string(name.rawValue), "project_id": .string(projectId),
                "at": .string(Timestamp.rfc3339(ms: atMs)),
                "conversation_id": conversationId.map(JSONValue.string) ?? .null,
                "correlation_id": correlationId.map(JSONValue.string) ?? .null,
                "call_id": callId.map(JSONValue.string) ?? .null,
                "tool": tool.map(JSONValue.string) ?? .null,
                "reason": reason.map(JSONValue.string) ?? .null,
            ])
        }
    }

    /// The `projectId` of alerts about the host rather than one project (a condition across
    /// projects). Its events, journal rows and counters live under this id, which only a token
    /// scoped to every project (`"*"`) reads: a scoped tenant never sees another project's id.
    public static let hostScope = "*"

    /// The engine's sequence number.
    public var id: UInt64
    public var rule: String
    public var severity: Severity
    public var escalation: Escalation
    public var projectId: String
    /// When the engine raised it (the hub's clock).
    public var atMs: Int64
    public var summary: String
    /// Alerts with the same key are one condition: the engine lets one through per suppression window.
    public var dedupKey: String
    public var evidence: [Evidence]
    /// How many alerts with this key were suppressed since the last one that went out.
    public var suppressedCount: Int

    public var json: JSONValue {
        .object([
            "id": .uint(id), "rule": .string(rule), "severity": .string(severity.rawValue),
            "escalation": .string(escalation.rawValue), "project_id": .string(projectId),
            "at": .string(Timestamp.rfc3339(ms: atMs)), "at_ms": .int(atMs), "summary": .string(summary),
            "dedup_key": .string(dedupKey), "evidence": .array(evidence.map(\.json)),
            "suppressed_count": .int(Int64(suppressedCount)),
        ])
    }

    /// The alert as a telemetry event (`alert.raised`), so it is journaled and shown with the rest.
    public var event: TelemetryEvent {
        TelemetryEvent(name: .alertRaised, projectId: projectId, atMs: atMs, payload: json)
    }
}
