/// Where a conversation writes each journal entry as it records it, so the journal outlives the
/// conversation and the process. The conversation keeps its bounded in-memory journal for live
/// projections; this is the durable copy the incident timeline reads after a stop or a restart.
public protocol ConversationJournalStore: ConversationJournalSource {
    /// Returns once the entry is stored (committed, for the SQLite journal).
    func append(project: String, conversation: String, entry: ConversationEntry) throws(TelemetryStoreError)
}
