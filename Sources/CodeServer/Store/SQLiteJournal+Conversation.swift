import Sandbox

/// Conversation journal entries: written by each conversation as it records them, read back by
/// the incident timeline after the conversation stopped or the process restarted.
extension SQLiteJournal: ConversationJournalStore {
    /// Queues the entry with its payload redacted (`StoreConfiguration.redactor`); durable once a
    /// later `durable(since:)` or read returns.
    public func append(project: String, conversation: String, entry: ConversationEntry) throws(TelemetryStoreError) {
        var redacted = entry
        redacted.payload = configuration.redactor.redact(entry.payload)
        let stored = redacted
        try enqueue { connection throws(StoreError) in
            try Self.insert(stored, project: project, conversation: conversation, into: connection)
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
                        source: .journal, atMs: select.int64(3), event: try select.entryKind(1).timelineEvent,
                        correlationId: select.text(2), payload: try select.json(4), sequence: UInt64(select.int64(0))))
            }
            return entries
        }
    }

    /// Conversations whose latest `started` entry has no `stopped` after it; the query walks the
    /// project's part of the timeline index once, at restart.
    public func openConversations(project: String, limit: Int) throws(TelemetryStoreError) -> [StoredConversation] {
        try read { connection throws(StoreError) in
            let open = try connection.statement(
                """
                SELECT conversation_id, started FROM (
                    SELECT conversation_id, max(CASE WHEN kind = 'started' THEN id END) AS started,
                        max(CASE WHEN kind = 'stopped' THEN id END) AS stopped
                    FROM conversation_events WHERE project_id = ?1 GROUP BY conversation_id
                ) WHERE started IS NOT NULL AND (stopped IS NULL OR stopped < started) ORDER BY started
                """)
            open.bind(1, project)
            var starts: [(String, Int64)] = []
            while try open.step() { starts.append((open.text(0) ?? "", open.int64(1))) }
            var conversations: [StoredConversation] = []
            for (id, started) in starts {
                let select = try connection.statement(
                    """
                    SELECT sequence, kind, correlation_id, at_ms, payload FROM conversation_events
                    WHERE project_id = ?1 AND conversation_id = ?2 AND id >= ?3 ORDER BY id DESC LIMIT ?4
                    """)
                select.bind(1, project)
                select.bind(2, id)
                select.bind(3, started)
                select.bind(4, Int64(max(1, limit)))
                var entries: [ConversationEntry] = []
                while try select.step() {
                    let kind = try select.entryKind(1)
                    entries.append(
                        ConversationEntry(
                            sequence: Int(select.int64(0)), kind: kind, correlationId: select.text(2), atMs: select.int64(3),
                            payload: try select.json(4)))
                }
                conversations.append(StoredConversation(id: id, entries: entries.reversed()))
            }
            return conversations
        }
    }

    /// A single-row INSERT, in the writer's batch.
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
