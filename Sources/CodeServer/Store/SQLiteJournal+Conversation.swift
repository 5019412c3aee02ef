import Sandbox

/// Conversation journal entries: the events a conversation recorded (rows of `events` with their
/// `entry_sequence`, written by the hub like every event), read back as the conversation's
/// projections: its entries, and after a restart the open conversations with what they had pending.
extension SQLiteJournal: ConversationJournalStore {
    /// Entries of one conversation in time order, as timeline lines (`sequence` is the row id:
    /// a conversation id reused after a restart numbers its entries from 1 again).
    public func journalEntries(project: String, conversation: String) throws(TelemetryStoreError) -> [TimelineEntry] {
        try read { connection throws(StoreError) in
            let select = try connection.statement(
                """
                SELECT \(EventRow.columns) FROM events
                WHERE project_id = ?1 AND conversation_id = ?2 AND entry_sequence IS NOT NULL ORDER BY at_ms, id
                """)
            select.bind(1, project)
            select.bind(2, conversation)
            var entries: [TimelineEntry] = []
            while try select.step() { entries.append(try EventRow.read(select).timelineEntry()) }
            return entries
        }
    }

    /// The newest `limit` entries of one conversation since its latest start, oldest first: what
    /// a conversation reads instead of keeping its whole history in memory.
    public func recentEntries(project: String, conversation: String, limit: Int) throws(TelemetryStoreError) -> [ConversationEntry] {
        try read { connection throws(StoreError) in
            let started = try Self.latestStart(project: project, conversation: conversation, connection)
            return try Self.entries(project: project, conversation: conversation, since: started ?? 0, limit: limit, connection)
        }
    }

    /// Conversations whose latest `started` entry has no `stopped` after it, oldest start first,
    /// each with its newest `limit` entries since that start.
    public func openConversations(project: String, limit: Int) throws(TelemetryStoreError) -> [StoredConversation] {
        try read { connection throws(StoreError) in
            // Walks the project's starts and stops through events_kind.
            let open = try connection.statement(
                """
                SELECT conversation_id, started FROM (
                    SELECT conversation_id, max(CASE WHEN kind = ?2 THEN id END) AS started,
                        max(CASE WHEN kind = ?3 THEN id END) AS stopped
                    FROM events WHERE project_id = ?1 AND kind IN (?2, ?3) AND entry_sequence IS NOT NULL
                    GROUP BY conversation_id
                ) WHERE started IS NOT NULL AND (stopped IS NULL OR stopped < started) ORDER BY started
                """)
            open.bind(1, project)
            open.bind(2, EventKind.conversationStarted.rawValue)
            open.bind(3, EventKind.conversationStopped.rawValue)
            var starts: [(String, Int64)] = []
            while try open.step() { starts.append((open.text(0) ?? "", open.int64(1))) }
            var conversations: [StoredConversation] = []
            for (id, started) in starts {
                let entries = try Self.entries(project: project, conversation: id, since: started, limit: limit, connection)
                conversations.append(StoredConversation(id: id, entries: entries))
            }
            return conversations
        }
    }

    private static func latestStart(project: String, conversation: String, _ connection: SQLiteConnection) throws(StoreError) -> Int64? {
        let select = try connection.statement(
            """
            SELECT max(id) FROM events
            WHERE project_id = ?1 AND kind = ?3 AND conversation_id = ?2 AND entry_sequence IS NOT NULL
            """)
        select.bind(1, project)
        select.bind(2, conversation)
        select.bind(3, EventKind.conversationStarted.rawValue)
        guard try select.step(), !select.isNull(0) else { return nil }
        return select.int64(0)
    }

    /// Walks events_conversation backwards from the newest entry, stopping at `limit`.
    private static func entries(
        project: String, conversation: String, since started: Int64, limit: Int, _ connection: SQLiteConnection
    ) throws(StoreError) -> [ConversationEntry] {
        let select = try connection.statement(
            """
            SELECT \(EventRow.columns) FROM events
            WHERE project_id = ?1 AND conversation_id = ?2 AND id >= ?3 AND entry_sequence IS NOT NULL
            ORDER BY at_ms DESC, id DESC LIMIT ?4
            """)
        select.bind(1, project)
        select.bind(2, conversation)
        select.bind(3, started)
        select.bind(4, Int64(max(1, limit)))
        var entries: [ConversationEntry] = []
        while try select.step() { entries.append(try EventRow.read(select).conversationEntry()) }
        return entries.reversed()
    }
}
