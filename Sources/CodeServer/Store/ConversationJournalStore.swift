/// Where a conversation's journal entries are read back from, so the journal outlives the
/// conversation and the process. Entries are events with their `entrySequence` (one row each),
/// written by the hub like every event (`TelemetryEventStore.append`). The conversation keeps only
/// a short tail in memory and reads older entries from here (`recentEntries`); the incident
/// timeline reads it after a stop or a restart, and a restart brings the project's open
/// conversations back from it.
public protocol ConversationJournalStore: Sendable {
    /// The last write queued so far: a request's acknowledgement starts from it.
    func mark() -> UInt64

    /// Returns once every write queued after `since` is durable; throws when one of them failed.
    func durable(since: UInt64) async throws(TelemetryStoreError)

    /// The newest `limit` entries of one conversation since its latest start, oldest first.
    func recentEntries(project: String, conversation: String, limit: Int) throws(TelemetryStoreError) -> [ConversationEntry]

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
