/// Where a conversation writes each journal entry as it records it, so the journal outlives the
/// conversation and the process. The conversation keeps its bounded in-memory journal for live
/// projections; this is the durable copy the incident timeline reads after a stop or a restart,
/// and from which a restart brings the project's open conversations back.
public protocol ConversationJournalStore: ConversationJournalSource {
    /// Accepts the entry; it is durable once the store says so (`SQLiteJournal.durable(since:)`).
    func append(project: String, conversation: String, entry: ConversationEntry) throws(TelemetryStoreError)

    /// The project's conversations that were started and not stopped, oldest start first, each
    /// with its newest entries (at most `limit`) since that start, in order.
    func openConversations(project: String, limit: Int) throws(TelemetryStoreError) -> [StoredConversation]
}

/// A conversation as the journal has it: what a restart rebuilds it from.
public struct StoredConversation: Sendable, Equatable {
    public var id: String
    public var entries: [ConversationEntry]

    public init(id: String, entries: [ConversationEntry]) {
        self.id = id
        self.entries = entries
    }
}
