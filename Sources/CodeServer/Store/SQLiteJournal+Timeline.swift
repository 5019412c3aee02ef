/// The incident timeline: the one implementation, a query over the one `events` table. The filter,
/// the order and the limit are in SQL, so its cost depends on `limit` and on the size of the
/// conversation or correlation id through an index, never on the size of the journal. Payloads
/// need no redaction here: every row was redacted before it was written.
extension SQLiteJournal {
    /// The timeline of a conversation (all of it, or one correlation id's part), or with
    /// `conversation` nil the timeline of one correlation id across the project (a direct call,
    /// an MCP call, or a request that touched several conversations). Ordered by time; at equal
    /// times journal entries come first (the journal records the call, telemetry what followed),
    /// then row order. The newest `limit` (clamped to 1…500) are returned with the total matched.
    ///
    /// - Precondition: `conversation` or `correlationId` is given.
    public func incidentTimeline(
        project: String, conversation: String?, correlationId: String? = nil, limit: Int = IncidentTimeline.defaultLimit
    ) throws(TelemetryStoreError) -> IncidentTimeline {
        precondition(conversation != nil || correlationId != nil, "a timeline names a conversation or a correlation id")
        let applied = min(max(limit, 1), IncidentTimeline.maximumLimit)
        // With a correlation id, events_correlation (one request's rows, few) is the index to walk;
        // the unary + keeps SQLite from choosing events_conversation for the conversation term.
        let filter =
            switch (conversation, correlationId) {
            case (_?, nil): "project_id = ?1 AND conversation_id = ?2"
            case (_?, _?): "project_id = ?1 AND correlation_id = ?3 AND +conversation_id = ?2"
            case (nil, _): "project_id = ?1 AND correlation_id = ?3"
            }
        return try read { connection throws(StoreError) in
            let count = try connection.statement("SELECT count(*) FROM events WHERE \(filter)")
            // The newest first, walking the index backwards and stopping at the limit; at equal
            // times the journal comes first in the timeline, so it sorts last here.
            let select = try connection.statement(
                """
                SELECT \(EventRow.columns) FROM events WHERE \(filter)
                ORDER BY at_ms DESC, entry_sequence IS NOT NULL, id DESC LIMIT ?4
                """)
            for statement in [count, select] {
                statement.bind(1, project)
                if let conversation { statement.bind(2, conversation) }
                if let correlationId { statement.bind(3, correlationId) }
            }
            select.bind(4, Int64(applied))
            let total = try count.step() ? Int(count.int64(0)) : 0
            var entries: [TimelineEntry] = []
            while try select.step() { entries.append(try EventRow.read(select).timelineEntry()) }
            return IncidentTimeline(
                projectId: project, conversationId: conversation, correlationId: correlationId, limit: applied,
                requestedLimit: applied == limit ? nil : limit, totalEntries: total, entries: entries.reversed())
        }
    }
}
