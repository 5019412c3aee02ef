import Sandbox
import Testing

@testable import CodeServer

/// A conversation's entry is one event, stored once; an agent's entry is stored first and seen
/// (counted, delivered) only when announced, after the caller awaited the store.
struct EntryAnnouncementTests {
    private func entry(_ sequence: Int, _ payload: EventPayload) -> RuntimeEvent {
        ConversationEntry(sequence: sequence, correlationId: "k1", atMs: 5, payload: payload)!.event(project: "p1", conversation: "c1")
    }

    @Test func anEntryIsOneRowReadBackAsTheSameEventAndEntry() throws {
        let journal = try JournalFixture().open()
        let hub = TelemetryHub(clock: ManualClock(), store: journal)
        let message = entry(1, .conversationUserMessage(UserMessage(text: "token sk-abcdefghijklmnopqrstuvwxyz0123456789")))
        try hub.emitEntry(message)
        #expect(try journal.rowCounts() == (1, 0))
        let stored = try journal.events(project: "p1", conversation: "c1")
        #expect(stored.map(\.entrySequence) == [1])
        // Redacted once, by the hub, before the store: the entry read back is the redacted event.
        let read = try journal.recentEntries(project: "p1", conversation: "c1", limit: 10)
        guard case .conversationUserMessage(let text)? = read.first?.payload else {
            Issue.record("read back \(read)")
            return
        }
        #expect(!text.text.contains("sk-abcdefghij"))
        #expect(hub.snapshot(project: "p1").eventCounts[EventKind.conversationUserMessage.rawValue] == 1)
        // The wire form carries the number, and the strict reader takes it back.
        let json = stored[0].json
        #expect(json["entry_sequence"] == 1)
        #expect(try RuntimeEvent(json: json) == stored[0])
    }

    @Test func aStoredEntryIsSeenOnlyOnceAnnounced() async throws {
        let journal = try JournalFixture().open()
        let hub = TelemetryHub(clock: ManualClock(), store: journal)
        let stream = hub.subscribe(project: "p1")
        let answer = entry(2, .conversationAssistantMessage(AssistantMessage(text: "done", steps: 1)))
        let since = journal.mark()
        let stored = try #require(try hub.storeEntry(answer))
        try await journal.durable(since: since)
        #expect(try journal.rowCounts() == (1, 0))
        #expect(hub.snapshot(project: "p1").eventCounts.isEmpty)
        hub.announceEntry(stored)
        #expect(hub.snapshot(project: "p1").eventCounts[EventKind.conversationAssistantMessage.rawValue] == 1)
        var iterator = stream.makeAsyncIterator()
        let delivered = await iterator.next()
        #expect(delivered?.entrySequence == 2)
        #expect(delivered?.payload == answer.payload)
        #expect(try journal.rowCounts() == (1, 0))
    }

    @Test func aSinkWithoutAStoreEmitsEntriesAsEvents() throws {
        let recorder = RuntimeEventRecorder()
        let answer = entry(3, .conversationAssistantMessage(AssistantMessage(text: "done", steps: 1)))
        let stored = try #require(try recorder.storeEntry(answer))
        #expect(recorder.events.isEmpty)
        recorder.announceEntry(stored)
        try recorder.emitEntry(entry(4, .conversationResumed))
        #expect(recorder.events.map(\.entrySequence) == [3, 4])
    }
}
