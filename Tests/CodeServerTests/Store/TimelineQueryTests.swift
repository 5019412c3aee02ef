import Sandbox
import Testing

@testable import CodeServer

/// The one incident timeline (`SQLiteJournal.incidentTimeline`, a query of the events table):
/// order, ties, filters, limits, shape, redaction; checked against an order computed here from
/// what was written, not against a second implementation.
struct TimelineQueryTests {
    private struct Written {
        var atMs: Int64
        var journal: Bool
        var order: Int
        var event: String
        var correlation: String
        var i: Int
    }

    /// A conversation with ties across and within sources, two correlation ids and another
    /// conversation's rows; returns what was written to c1, in write order.
    private func filled() throws -> (SQLiteJournal, [Written], JournalFixture) {
        let fixture = JournalFixture()
        let sqlite = try fixture.open()
        var written: [Written] = []
        for i in 0..<60 {
            let at = Int64(1000 + i / 3)
            let correlation = i % 2 == 0 ? "k-even" : "k-odd"
            let entry = journalEntry(
                i + 1, .toolRequested, at: at, correlation: correlation,
                payload: ["call_id": .string("\(i)"), "arguments": ["token": "s3cr3t"]])
            try sqlite.append(project: "p1", conversation: "c1", entry: entry)
            written.append(Written(atMs: at, journal: true, order: written.count, event: "conversation.tool_requested", correlation: correlation, i: i))
            for (name, conversation) in [(EventKind.toolStarted, "c1"), (.toolCompleted, "c1"), (.toolStarted, "c2")] {
                // Every row carries `i` in its call id.
                try sqlite.append(
                    telemetryEvent(name, at: at, conversation: conversation, correlation: correlation, payload: ["call_id": .string("\(i)")]))
                if conversation == "c1" {
                    written.append(Written(atMs: at, journal: false, order: written.count, event: name.rawValue, correlation: correlation, i: i))
                }
            }
        }
        return (sqlite, written, fixture)
    }

    @Test(arguments: [nil, "k-odd"], [1, 7, 100, 200, 500, 900])
    func ordersByTimeJournalFirstOnTiesThenWriteOrder(correlation: String?, limit: Int) throws {
        let (sqlite, written, _) = try filled()
        let timeline = try sqlite.incidentTimeline(project: "p1", conversation: "c1", correlationId: correlation, limit: limit)
        let matching = written.filter { correlation == nil || $0.correlation == correlation }.sorted { a, b in
            if a.atMs != b.atMs { return a.atMs < b.atMs }
            if a.journal != b.journal { return a.journal }
            return a.order < b.order
        }
        let applied = min(max(limit, 1), 500)
        #expect(timeline.totalEntries == matching.count)
        #expect(timeline.limit == applied)
        #expect(timeline.requestedLimit == (applied == limit ? nil : limit))
        let expected = matching.suffix(applied)
        #expect(timeline.entries.map(\.event) == expected.map(\.event))
        #expect(timeline.entries.map(\.atMs) == expected.map(\.atMs))
        #expect(
            timeline.entries.map { $0.payload["call_id"]?.stringValue.flatMap { Int($0) } }
                == expected.map { Optional($0.i) })
        #expect(timeline.entries.map(\.source) == expected.map { $0.journal ? .journal : .telemetry })
    }

    @Test func aCorrelationIdAcrossTheProjectSpansConversations() throws {
        let (sqlite, _, _) = try filled()
        let timeline = try sqlite.incidentTimeline(project: "p1", conversation: nil, correlationId: "k-odd", limit: 500)
        // 30 odd calls: a journal entry and two events in c1, one event in c2.
        #expect(timeline.totalEntries == 120)
        #expect(try sqlite.incidentTimeline(project: "p2", conversation: nil, correlationId: "k-odd").totalEntries == 0)
    }

    @Test func journalPayloadsAreRedactedWhenShown() throws {
        let (sqlite, _, _) = try filled()
        let timeline = try sqlite.incidentTimeline(project: "p1", conversation: "c1", limit: 500)
        let requested = timeline.entries.filter { $0.source == .journal }
        #expect(requested.count == 60)
        #expect(requested.allSatisfy { $0.payload["arguments"]?["token"] == "[REDACTED]" })
    }

    @Test func anUnknownConversationHasAnEmptyTimeline() throws {
        let (sqlite, _, _) = try filled()
        let timeline = try sqlite.incidentTimeline(project: "p1", conversation: "nope")
        #expect(timeline.totalEntries == 0)
        #expect(timeline.entries.isEmpty)
    }

    @Test func clampsTheLimitAndSaysSo() throws {
        let (sqlite, _, _) = try filled()
        let big = try sqlite.incidentTimeline(project: "p1", conversation: "c1", limit: 10_000)
        #expect(big.limit == 500)
        #expect(big.json["requested_limit"] == 10_000)
        #expect(try sqlite.incidentTimeline(project: "p1", conversation: "c1", limit: 0).limit == 1)
    }

    @Test func jsonShape() throws {
        let journal = try JournalFixture().open()
        try journal.append(
            project: "p1", conversation: "c1",
            entry: journalEntry(1, .toolRequested, at: 1_700_000_000_000, correlation: "k1", payload: ["arguments": ["password": "x"]]))
        let json = try journal.incidentTimeline(project: "p1", conversation: "c1").json
        #expect(json["project_id"] == "p1")
        #expect(json["conversation_id"] == "c1")
        #expect(json["correlation_id"] == .null)
        #expect(json["total_entries"] == 1)
        #expect(json["entries"]?[0] == [
            "source": "journal", "at": "2023-11-14T22:13:20.000Z", "event": "conversation.tool_requested",
            "correlation_id": "k1",
            "payload": ["call_id": "call-1", "tool": "shell.run", "run_mode": "sync", "arguments": ["password": "[REDACTED]"]],
        ])
    }

    /// Each event kind is at most one entry kind, and back: the entry is the event. A call's end
    /// is the one entry kind of several event kinds (its ending: completed, failed, …).
    @Test func conversationEntriesAreRuntimeEvents() throws {
        #expect(ConversationEntry.Kind.toolRequested.events == [.conversationToolRequested])
        #expect(ConversationEntry.Kind.userMessage.events.map(\.rawValue) == ["conversation.user.message"])
        #expect(ConversationEntry.Kind.callsCancelled.events == [.toolChildProcessesTerminated])
        #expect(ConversationEntry.Kind.toolResult.events == [.toolCompleted, .toolFailed, .toolTimeout, .toolCancelled])
        let events = ConversationEntry.Kind.allCases.flatMap(\.events)
        #expect(Set(events).count == events.count)
        for kind in ConversationEntry.Kind.allCases {
            #expect(!kind.events.isEmpty)
            for event in kind.events { #expect(ConversationEntry.Kind(event: event) == kind) }
        }
        #expect(ConversationEntry.Kind(event: .toolStarted) == nil)
        // An event that is not a journal kind never becomes an entry, numbered or not.
        let started = RuntimeEvent(projectId: "p", atMs: 1, payload: EventSamples.payload(.toolStarted), entrySequence: 3)
        #expect(ConversationEntry(started) == nil)
        let message = RuntimeEvent(projectId: "p", atMs: 1, payload: .conversationUserMessage(UserMessage(text: "hi")))
        #expect(ConversationEntry(message) == nil)
        let entry = try #require(ConversationEntry(RuntimeEvent(projectId: "p", conversationId: "c", atMs: 1, payload: message.payload, entrySequence: 4)))
        #expect(entry.kind == .userMessage)
        #expect(entry.event(project: "p", conversation: "c").entrySequence == 4)
        #expect(entry.json["kind"] == "user_message")
        #expect(entry.json["payload"] == ["text": "hi"])
    }
}
