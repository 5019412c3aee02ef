import Sandbox

/// Telemetry events, and the policy decisions and alerts among them: the hub's store.
extension SQLiteJournal: TelemetryEventStore {
    /// Queues the event (and its policy-decision or alert row) for the writer's next batch; it is
    /// durable once a later `durable(since:)` or read returns. Never waits for the disk: the hub
    /// calls this under its lock.
    public func append(_ event: TelemetryEvent) throws(TelemetryStoreError) {
        try enqueue { connection throws(StoreError) in
            let id = try Self.insert(event, into: connection)
            try Self.index(event, telemetryId: id, into: connection)
        }
    }

    /// Read back, an event's `id` is its journal row id, unique across restarts (the hub's own
    /// numbering starts again at 1 in every process), so timelines break time ties correctly.
    public func events(project: String, conversation: String) throws(TelemetryStoreError) -> [TelemetryEvent] {
        try read { connection throws(StoreError) in
            let select = try connection.statement(
                """
                SELECT id, name, correlation_id, at_ms, payload FROM telemetry_events
                WHERE project_id = ?1 AND conversation_id = ?2 ORDER BY at_ms, id
                """)
            select.bind(1, project)
            select.bind(2, conversation)
            var events: [TelemetryEvent] = []
            while try select.step() {
                events.append(
                    TelemetryEvent(
                        projectId: project, conversationId: conversation, correlationId: select.text(2),
                        atMs: select.int64(3), payload: try select.payload(4, of: try select.eventKind(1)),
                        id: UInt64(select.int64(0))))
            }
            return events
        }
    }

    /// What `TelemetryHub.restore` needs after a restart: every project's event totals, and the
    /// newest events (at most `limit`) at or after `sinceMs`, oldest first.
    public func telemetryRestorePoint(
        sinceMs: Int64, limit: Int
    ) throws(TelemetryStoreError) -> (counts: [String: [String: UInt64]], recent: [TelemetryEvent]) {
        try read { connection throws(StoreError) in
            var counts: [String: [String: UInt64]] = [:]
            let totals = try connection.statement(
                "SELECT project_id, name, count(*) FROM telemetry_events GROUP BY project_id, name")
            while try totals.step() {
                counts[totals.text(0) ?? "", default: [:]][totals.text(1) ?? ""] = UInt64(totals.int64(2))
            }
            let select = try connection.statement(
                """
                SELECT id, name, project_id, conversation_id, correlation_id, at_ms, payload FROM telemetry_events
                WHERE at_ms >= ?1 ORDER BY id DESC LIMIT ?2
                """)
            select.bind(1, sinceMs)
            select.bind(2, Int64(max(0, limit)))
            var recent: [TelemetryEvent] = []
            while try select.step() {
                recent.append(
                    TelemetryEvent(
                        projectId: select.text(2) ?? "", conversationId: select.text(3), correlationId: select.text(4),
                        atMs: select.int64(5), payload: try select.payload(6, of: try select.eventKind(1)),
                        id: UInt64(select.int64(0))))
            }
            return (counts, recent.reversed())
        }
    }

    static func insert(_ event: TelemetryEvent, into connection: SQLiteConnection) throws(StoreError) -> Int64 {
        let insert = try connection.statement(
            """
            INSERT INTO telemetry_events (hub_id, name, project_id, conversation_id, correlation_id, at_ms, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id
            """)
        insert.bind(1, Int64(truncatingIfNeeded: event.id))
        insert.bind(2, event.name.rawValue)
        insert.bind(3, event.projectId)
        insert.bind(4, event.conversationId)
        insert.bind(5, event.correlationId)
        insert.bind(6, event.atMs)
        insert.bind(7, JSONWriter.text(event.payload.json))
        guard try insert.step() else { throw StoreError(.statementFailed, "INSERT … RETURNING gave no id") }
        let id = insert.int64(0)
        _ = try insert.step()
        return id
    }

    /// Policy decisions and alerts also get a row of their own, so an operator can list a
    /// project's decisions or alerts without scanning every event.
    static func index(_ event: TelemetryEvent, telemetryId: Int64, into connection: SQLiteConnection) throws(StoreError) {
        if let verdict = event.name.policyDecision {
            let insert = try connection.statement(
                """
                INSERT INTO policy_decisions (telemetry_event_id, project_id, decision, tool, reason, correlation_id, at_ms)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """)
            insert.bind(1, telemetryId)
            insert.bind(2, event.projectId)
            insert.bind(3, verdict)
            insert.bind(4, event.payload.tool)
            insert.bind(5, event.payload.reason)
            insert.bind(6, event.correlationId)
            insert.bind(7, event.atMs)
            try insert.run()
        } else if case .alertRaised(let alert) = event.payload {
            let insert = try connection.statement(
                "INSERT INTO alerts (telemetry_event_id, project_id, rule, severity, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)")
            insert.bind(1, telemetryId)
            insert.bind(2, event.projectId)
            insert.bind(3, alert.rule)
            insert.bind(4, alert.severity.rawValue)
            insert.bind(5, event.atMs)
            try insert.run()
        }
    }

    /// A project's recorded policy decisions and alerts, newest first: the durable side of
    /// diagnostics' "recent decisions" and of the alert history.
    public func recentAuditRecords(project: String, kind: AuditKind, limit: Int) throws(TelemetryStoreError) -> [TelemetryEvent] {
        try read { connection throws(StoreError) in
            let select = try connection.statement(
                """
                SELECT e.id, e.name, e.conversation_id, e.correlation_id, e.at_ms, e.payload
                FROM \(kind.rawValue) AS a JOIN telemetry_events AS e ON e.id = a.telemetry_event_id
                WHERE a.project_id = ?1 ORDER BY a.at_ms DESC, a.id DESC LIMIT ?2
                """)
            select.bind(1, project)
            select.bind(2, Int64(max(0, limit)))
            var events: [TelemetryEvent] = []
            while try select.step() {
                events.append(
                    TelemetryEvent(
                        projectId: project, conversationId: select.text(2), correlationId: select.text(3),
                        atMs: select.int64(4), payload: try select.payload(5, of: try select.eventKind(1)),
                        id: UInt64(select.int64(0))))
            }
            return events
        }
    }
}

/// The tables that index a subset of telemetry events.
public enum AuditKind: String, Sendable, CaseIterable {
    case policyDecisions = "policy_decisions"
    case alerts
}
