import Testing

@testable import CodeServer

struct ConversationJournalTests {
    @Test func journalIsBoundedAndSequencesHaveNoGaps() {
        var journal = ConversationJournal(capacity: 2)
        for n in 0..<3 { journal.append(.userMessage, correlationId: "k\(n)", atMs: Int64(n), payload: [:]) }
        #expect(journal.entries.map(\.sequence) == [2, 3])
        #expect(journal.dropped == 1)
    }
}
