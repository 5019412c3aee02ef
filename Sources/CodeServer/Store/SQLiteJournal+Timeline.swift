/// The incident timeline computed in SQL: the filter, the order and the limit are pushed into one
/// compound query, so its cost depends on `limit` and on the conversation's size through an index,
/// never on the size of the journal. Same answer as `IncidentTimelineQuery` over the same rows;
/// payloads need no redaction here, both sources were redacted before they were written.
extension SQLiteJournal {
    /// The timeline of a conversation (all of it, or one correlation id's part), or with
    /// `conversation` nil the timeline of one correlation id across the project (a direct call,
    /// an MCP call, or a request that touched several conversations).
    ///
    /// - Precondition: `conversation` or `correlationId` is given.
    public func incidentTimeline(
        project: String, conversation: String?, correlationId: String? = nil, limit: Int = IncidentTimeline.defaultLimit
    ) throws(TelemetryStoreError) -> IncidentTimeline {
        precondition(conversation != nil || correlationId != nil, "a timeline names a conversation or a correlation id")
        let applied = min(max(limit, 1), IncidentTimeline.maximumLimit)
        var filter = conversation == nil ? "project_id = ?1" : "project_id = ?1 AND conversation_id = ?2"
        if correlationId != nil { filter += " AND correlation_id = ?3" }
        return try read { connection throws(StoreError) in
            // A whole conversation's total is kept by triggers; by correlation id, it is a count
            // over a correlation index, which one request's entries keep small.
            let count = try connection.statement(
                correlationId == nil
                    ? "SELECT entries FROM conversation_timeline_counts WHERE project_id = ?1 AND conversation_id = ?2"
                    : """
                    SELECT (SELECT count(*) FROM conversation_events WHERE \(filter))
                         + (SELECT count(*) FROM telemetry_events WHERE \(filter))
                    """)
            // The newest first, each arm walking its index backwards; SQLite merges the two
            // ordered arms and stops at the limit. At equal times the journal comes first in the
            // timeline, so it sorts last here (source 0 < 1, descending).
            let select = try connection.statement(
                """
                SELECT 0 AS source, at_ms, kind, correlation_id, payload, id
                FROM conversation_events WHERE \(filter)
                UNION ALL
                SELECT 1 AS source, at_ms, name, correlation_id, payload, id
                FROM telemetry_events WHERE \(filter)
                ORDER BY 2 DESC, 1 DESC, 6 DESC LIMIT ?4
                """)
            for statement in [count, select] {
                statement.bind(1, project)
                if let conversation { statement.bind(2, conversation) }
                if let correlationId { statement.bind(3, correlationId) }
            }
            select.bind(4, Int64(applied))
            let total = try count.step() ? Int(count.int64(0)) : 0
            var entries: [TimelineEntry] = []
            while try select.step() {
                let journal = select.int64(0) == 0
                let event: String
                if journal {
                    event = try select.entryKind(2).timelineEvent
                } else {
                    event = try select.eventKind(2).rawValue
                }
                entries.append(
                    TimelineEntry(
                        source: journal ? .journal : .telemetry, atMs: select.int64(1), event: event,
                        correlationId: select.text(3), payload: try select.json(4), sequence: UInt64(select.int64(5))))
            }
            return IncidentTimeline(
                projectId: project, conversationId: conversation, correlationId: correlationId, limit: applied,
                requestedLimit: applied == limit ? nil : limit, totalEntries: total, entries: entries.reversed())
        }
    }
}
