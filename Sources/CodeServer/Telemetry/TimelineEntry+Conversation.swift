extension TimelineEntry {
    /// A conversation journal entry on the timeline, named like the runtime's events
    /// (`conversation.tool_requested`, `conversation.user_message`, …).
    public init(_ entry: ConversationEntry) {
        self.init(
            source: .journal, atMs: entry.atMs, event: entry.kind.timelineEvent,
            correlationId: entry.correlationId, payload: entry.payload, sequence: UInt64(max(entry.sequence, 0)))
    }
}
