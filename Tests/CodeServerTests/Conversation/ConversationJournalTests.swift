import Testing

@testable import CodeServer

struct ConversationJournalTests {
    @Test func journalIsBoundedAndSequencesHaveNoGaps() {
        var journal = ConversationJournal(capacity: 2)
        for n in 0..<3 { _ = journal.append(.conversationUserMessage(UserMessage(text: "m")), correlationId: "k\(n)", atMs: Int64(n)) }
        #expect(journal.entries.map(\.sequence) == [2, 3])
        #expect(journal.dropped == 1)
    }

    @Test func anEventThatIsNoEntryIsNotNumbered() {
        var journal = ConversationJournal(capacity: 4)
        #expect(journal.append(.toolStarted(ToolStarted(callId: "c", tool: "t")), correlationId: nil, atMs: 1) == nil)
        #expect(journal.append(.conversationStarted, correlationId: nil, atMs: 2)?.sequence == 1)
        #expect(journal.entries.count == 1)
    }
}
