import Sandbox
import Testing

@testable import CodeServer

private struct FakeJournal: ConversationJournalSource {
    var entries: [TimelineEntry]

    func journalEntries(project: String, conversation: String) -> [TimelineEntry] {
        project == "p1" && conversation == "c1" ? entries : []
    }
}

struct IncidentTimelineTests {
    private func query(journal: [TimelineEntry], telemetry: [TelemetryEvent]) -> IncidentTimelineQuery {
        let store = InMemoryTelemetryEventStore()
        for event in telemetry { store.append(event) }
        return IncidentTimelineQuery(journal: FakeJournal(entries: journal), telemetry: store)
    }

    private func journal(_ at: Int64, _ event: String, _ correlation: String?, seq: UInt64) -> TimelineEntry {
        TimelineEntry(source: .journal, atMs: at, event: event, correlationId: correlation, payload: [:], sequence: seq)
    }

    private func telemetry(_ at: Int64, _ name: EventKind, _ correlation: String?, id: UInt64, conversation: String = "c1") -> TelemetryEvent {
        EventSamples.event(name, conversation: conversation, correlation: correlation, at: at, id: id)
    }

    @Test func mergesByTimeWithJournalFirstOnTies() throws {
        let q = query(
            journal: [journal(10, "tool.requested", "k1", seq: 1), journal(30, "assistant.message", nil, seq: 2)],
            telemetry: [
                telemetry(10, .toolStarted, "k1", id: 7), telemetry(20, .toolFailed, "k1", id: 8),
                telemetry(20, .sandboxViolation, "k1", id: 9), telemetry(5, .projectStarted, nil, id: 10, conversation: "c2"),
            ])
        let timeline = try q.incidentTimeline(project: "p1", conversation: "c1")
        #expect(timeline.entries.map(\.event) == [
            "tool.requested", "tool.started", "tool.failed", "security.sandbox_violation", "assistant.message",
        ])
        #expect(timeline.totalEntries == 5)
        #expect(timeline.limit == 100)
    }

    @Test func filtersByCorrelationId() throws {
        let q = query(
            journal: [journal(1, "tool.requested", "k1", seq: 1), journal(2, "tool.requested", "k2", seq: 2)],
            telemetry: [telemetry(3, .toolFailed, "k2", id: 1)])
        let timeline = try q.incidentTimeline(project: "p1", conversation: "c1", correlationId: "k2")
        #expect(timeline.entries.map(\.atMs) == [2, 3])
        #expect(timeline.totalEntries == 2)
        #expect(timeline.json["correlation_id"] == "k2")
    }

    @Test func keepsTheMostRecentLimitAndReportsTheTotal() throws {
        let q = query(journal: (1...10).map { journal(Int64($0), "e\($0)", nil, seq: UInt64($0)) }, telemetry: [])
        let timeline = try q.incidentTimeline(project: "p1", conversation: "c1", limit: 3)
        #expect(timeline.entries.map(\.event) == ["e8", "e9", "e10"])
        #expect(timeline.totalEntries == 10)
        #expect(timeline.requestedLimit == nil)
    }

    @Test func clampsTheLimitAndSaysSo() throws {
        let q = query(journal: [], telemetry: [])
        let big = try q.incidentTimeline(project: "p1", conversation: "c1", limit: 10_000)
        #expect(big.limit == 500)
        #expect(big.json["requested_limit"] == 10_000)
        #expect(try q.incidentTimeline(project: "p1", conversation: "c1", limit: 0).limit == 1)
    }

    @Test func jsonShapeAndJournalPayloadsAreRedacted() throws {
        let entry = TimelineEntry(
            source: .journal, atMs: 1_700_000_000_000, event: "tool.requested", correlationId: "k1",
            payload: ["args": ["password": "x"]], sequence: 1)
        let json = try query(journal: [entry], telemetry: []).incidentTimeline(project: "p1", conversation: "c1").json
        #expect(json["project_id"] == "p1")
        #expect(json["conversation_id"] == "c1")
        #expect(json["correlation_id"] == .null)
        #expect(json["total_entries"] == 1)
        #expect(json["entries"]?[0] == [
            "source": "journal", "at": "2023-11-14T22:13:20.000Z", "event": "tool.requested", "correlation_id": "k1",
            "payload": ["args": ["password": "[REDACTED]"]],
        ])
    }

    @Test func conversationEntriesAreNamedLikeRuntimeEvents() {
        let entry = ConversationEntry(sequence: 3, kind: .toolRequested, correlationId: "k", atMs: 9, payload: ["tool": "x"])
        let line = TimelineEntry(entry)
        #expect(line.event == "conversation.tool_requested")
        #expect(line.source == .journal)
        #expect(line.sequence == 3)
        #expect(line.correlationId == "k")
    }
}
