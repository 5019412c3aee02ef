import Sandbox

/// Telemetry events, and the policy decisions and alerts among them: the hub's store. Each is one
/// row of `events` (see `EventRow`); decisions and alerts are read by kind, not kept apart.
extension SQLiteJournal: TelemetryEventStore {
    /// Queues the event for the writer's next batch; it is durable once a later
    /// `durable(since:)` or read returns. Never waits for the disk: the hub calls this under its lock.
    public func append(_ event: TelemetryEvent) throws(TelemetryStoreError) {
        try enqueue(EventRow(event))
    }

    /// The project's events of one conversation (its journal entries among them), in time order.
    public func events(project: String, conversation: String) throws(TelemetryStoreError) -> [TelemetryEvent] {
        try read { connection throws(StoreError) in
            let select = try connection.statement(
                """
                SELECT \(EventRow.columns) FROM events
                WHERE project_id = ?1 AND conversation_id = ?2 ORDER BY at_ms, id
                """)
            select.bind(1, project)
            select.bind(2, conversation)
            var events: [TelemetryEvent] = []
            while try select.step() { events.append(try EventRow.read(select).telemetryEvent()) }
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
            // Walks events_kind once; a journal entry is an event the hub counted like any other.
            let totals = try connection.statement("SELECT project_id, kind, count(*) FROM events GROUP BY project_id, kind")
            while try totals.step() {
                counts[totals.text(0) ?? "", default: [:]][totals.text(1) ?? ""] = UInt64(totals.int64(2))
            }
            let select = try connection.statement(
                """
                SELECT \(EventRow.columns) FROM events
                WHERE at_ms >= ?1 ORDER BY id DESC LIMIT ?2
                """)
            select.bind(1, sinceMs)
            select.bind(2, Int64(max(0, limit)))
            var recent: [TelemetryEvent] = []
            while try select.step() { recent.append(try EventRow.read(select).telemetryEvent()) }
            return (counts, recent.reversed())
        }
    }

    /// A project's recorded policy decisions or alerts, newest first: the durable side of
    /// diagnostics' "recent decisions" and of the alert history. One query per kind, each walking
    /// events_kind backwards and stopping at `limit`, merged here.
    public func recentAuditRecords(project: String, kind: AuditKind, limit: Int) throws(TelemetryStoreError) -> [TelemetryEvent] {
        let limit = max(0, limit)
        return try read { connection throws(StoreError) in
            var events: [TelemetryEvent] = []
            for name in kind.kinds {
                let select = try connection.statement(
                    """
                    SELECT \(EventRow.columns) FROM events
                    WHERE project_id = ?1 AND kind = ?2 ORDER BY at_ms DESC, id DESC LIMIT ?3
                    """)
                select.bind(1, project)
                select.bind(2, name.rawValue)
                select.bind(3, Int64(limit))
                while try select.step() { events.append(try EventRow.read(select).telemetryEvent()) }
            }
            events.sort { ($0.atMs, $0.id) > ($1.atMs, $1.id) }
            return Array(events.prefix(limit))
        }
    }
}

/// The audit projections of the events table: which kinds each one lists.
public enum AuditKind: String, Sendable, CaseIterable {
    case policyDecisions = "policy_decisions"
    case alerts

    var kinds: [EventKind] {
        switch self {
        case .policyDecisions: EventKind.allCases.filter { $0.policyDecision != nil }
        case .alerts: [.alertRaised]
        }
    }
}
