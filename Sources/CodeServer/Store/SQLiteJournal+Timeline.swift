/// The incident timeline computed in SQL: the filter, the order and the limit are pushed into one
/// compound query, so its cost depends on `limit` and on the conversation's size through an index,
/// never on the size of the journal. Same answer as `IncidentTimelineQuery` over the same rows;
/// payloads need no redaction here, both sources were redacted before they were written.
extension SQLiteJournal {
    public func incidentTimeline(
        project: String, conversation: String, correlationId: String? = nil, limit: Int = IncidentTimeline.defaultLimit
    ) throws(TelemetryStoreError) -> IncidentTimeline {
        let applied = min(max(limit, 1), IncidentTimeline.maximumLimit)
        let filter = correlationId == nil ? "" : " AND correlation_id = ?3"
        return try read { connection throws(StoreError) in
            // Unfiltered, the total is kept by triggers; by correlation id, it is a count over the
            // correlation index, which one request's entries keep small.
            let count = try connection.statement(
                correlationId == nil
                    ? "SELECT entries FROM conversation_timeline_counts WHERE project_id = ?1 AND conversation_id = ?2"
                    : """
                    SELECT (SELECT count(*) FROM conversation_events WHERE project_id = ?1 AND conversation_id = ?2\(filter))
                         + (SELECT count(*) FROM telemetry_events WHERE project_id = ?1 AND conversation_id = ?2\(filter))
                    """)
            // The newest first, each arm walking its index backwards; SQLite merges the two
            // ordered arms and stops at the limit. At equal times the journal comes first in the
            // timeline, so it sorts last here (source 0 < 1, descending).
            let select = try connection.statement(
                """
                SELECT 0 AS source, at_ms, 'conversation.' || kind, correlation_id, payload, id
                FROM conversation_events WHERE project_id = ?1 AND conversation_id = ?2\(filter)
                UNION ALL
                SELECT 1 AS source, at_ms, name, correlation_id, payload, id
                FROM telemetry_events WHERE project_id = ?1 AND conversation_id = ?2\(filter)
                ORDER BY 2 DESC, 1 DESC, 6 DESC LIMIT ?4
                """)
            for statement in [count, select] {
                statement.bind(1, project)
                statement.bind(2, conversation)
                if let correlationId { statement.bind(3, correlationId) }
            }
            select.bind(4, Int64(applied))
            let total = try count.step() ? Int(count.int64(0)) : 0
            var entries: [TimelineEntry] = []
            while try select.step() {
                entries.append(
                    TimelineEntry(
                        source: select.int64(0) == 0 ? .journal : .telemetry, atMs: select.int64(1),
                        event: select.text(2) ?? "", correlationId: select.text(3), payload: try select.json(4),
                        sequence: UInt64(select.int64(5))))
            }
            return IncidentTimeline(
                projectId: project, conversationId: conversation, correlationId: correlationId, limit: applied,
                requestedLimit: applied == limit ? nil : limit, totalEntries: total, entries: entries.reversed())
        }
    }
}
