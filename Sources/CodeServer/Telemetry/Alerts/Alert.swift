import Sandbox

/// An alert: what a rule concluded, with the events that made it conclude so, routed to sinks.
public struct Alert: EventPayloadBody {
    public enum Severity: String, Sendable, CaseIterable {
        case page
        case warning
        case ticket
    }

    /// The runbook's escalation criteria: `immediate` (any sandbox violation, repeated timeout
    /// failures across projects), `sameDay` (persistent watcher or loader failures), else `none`.
    public enum Escalation: String, Sendable, CaseIterable {
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

        public init(_ event: RuntimeEvent) {
            eventId = event.id
            name = event.name
            projectId = event.projectId
            atMs = event.atMs
            correlationId = event.correlationId
            conversationId = event.conversationId
            callId = event.payload.callId
            tool = event.payload.tool
            reason = event.payload.reason
        }

        init(reading r: inout PayloadReader) throws(EventPayloadError) {
            eventId = try r.uint("event_id")
            name = try r.word("event", as: EventKind.self)
            projectId = try r.string("project_id")
            atMs = try r.time("at")
            conversationId = try r.optionalString("conversation_id")
            correlationId = try r.optionalString("correlation_id")
            callId = try r.optionalString("call_id")
            tool = try r.optionalString("tool")
            reason = try r.optionalString("reason")
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

    public init(
        id: UInt64, rule: String, severity: Severity, escalation: Escalation, projectId: String, atMs: Int64,
        summary: String, dedupKey: String, evidence: [Evidence], suppressedCount: Int
    ) {
        self.id = id
        self.rule = rule
        self.severity = severity
        self.escalation = escalation
        self.projectId = projectId
        self.atMs = atMs
        self.summary = summary
        self.dedupKey = dedupKey
        self.evidence = evidence
        self.suppressedCount = suppressedCount
    }

    /// The strict reader of an `alert.raised` payload (`at_ms` must agree with `at`).
    public init(reading r: inout PayloadReader) throws(EventPayloadError) {
        id = try r.uint("id")
        rule = try r.string("rule")
        severity = try r.word("severity", as: Severity.self)
        escalation = try r.word("escalation", as: Escalation.self)
        projectId = try r.string("project_id")
        let at = try r.time("at")
        atMs = try r.int("at_ms")
        guard at == atMs else { throw r.fail("at_ms", "does not match 'at'") }
        summary = try r.string("summary")
        dedupKey = try r.string("dedup_key")
        suppressedCount = Int(try r.int("suppressed_count"))
        guard case .array(let cited) = try r.json("evidence") else { throw r.fail("evidence", "not an array") }
        var evidence: [Evidence] = []
        for (index, item) in cited.enumerated() {
            do throws(EventPayloadError) {
                var inner = try PayloadReader(kind: r.kind, json: item)
                evidence.append(try Evidence(reading: &inner))
                try inner.finish()
            } catch {
                throw r.fail("evidence[\(index)].\(error.field)", error.reason)
            }
        }
        self.evidence = evidence
    }

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
    public var event: RuntimeEvent {
        RuntimeEvent(projectId: projectId, atMs: atMs, payload: .alertRaised(self))
    }
}
