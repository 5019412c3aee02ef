import Sandbox

/// Conversation journal entries: written by each conversation as it records them, read back by
/// the incident timeline after the conversation stopped or the process restarted.
extension SQLiteJournal: ConversationJournalStore {
    /// Stores the entry with its payload redacted (`StoreConfiguration.redactor`).
    public func append(project: String, conversation: String, entry: ConversationEntry) throws(TelemetryStoreError) {
        var redacted = entry
        redacted.payload = configuration.redactor.redact(entry.payload)
        try write { state throws(StoreError) in
            try Self.insert(redacted, project: project, conversation: conversation, into: state.connection)
            countAppend(&state)
        }
    }

    /// Entries of one conversation in time order. A conversation id reused after a restart numbers
    /// its entries from 1 again, so the timeline's tie-break is the row id, which never repeats.
    public func journalEntries(project: String, conversation: String) throws(TelemetryStoreError) -> [TimelineEntry] {
        try read { connection throws(StoreError) in
            let select = try connection.statement(
                """
                SELECT id, kind, correlation_id, at_ms, payload FROM conversation_events
                WHERE project_id = ?1 AND conversation_id = ?2 ORDER BY at_ms, id
                """)
            select.bind(1, project)
            select.bind(2, conversation)
            var entries: [TimelineEntry] = []
            while try select.step() {
                entries.append(
                    TimelineEntry(
                        source: .journal, atMs: select.int64(3), event: "conversation." + (select.text(1) ?? ""),
                        correlationId: select.text(2), payload: try select.json(4), sequence: UInt64(select.int64(0))))
            }
            return entries
        }
    }

    /// A single-row INSERT; autocommit makes it its own transaction.
    static func insert(
        _ entry: ConversationEntry, project: String, conversation: String, into connection: SQLiteConnection
    ) throws(StoreError) {
        let insert = try connection.statement(
            """
            INSERT INTO conversation_events (project_id, conversation_id, sequence, kind, correlation_id, at_ms, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
        insert.bind(1, project)
        insert.bind(2, conversation)
        insert.bind(3, Int64(entry.sequence))
        insert.bind(4, entry.kind.rawValue)
        insert.bind(5, entry.correlationId)
        insert.bind(6, entry.atMs)
        insert.bind(7, JSONWriter.text(entry.payload))
        try insert.run()
    }
}
