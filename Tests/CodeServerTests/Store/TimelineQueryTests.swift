import Sandbox
import Testing

@testable import CodeServer

/// The SQL timeline must answer exactly what `IncidentTimelineQuery` answers over the same rows.
struct TimelineQueryTests {
    /// A conversation with ties across and within sources, two correlation ids and another
    /// conversation's rows, written to the SQLite journal and to the in-memory stores alike.
    private func filled() throws -> (SQLiteJournal, IncidentTimelineQuery, JournalFixture) {
        let fixture = JournalFixture()
        let sqlite = try fixture.open()
        let memoryJournal = InMemoryConversationJournalStore()
        let memoryTelemetry = InMemoryTelemetryEventStore()
        var hubId: UInt64 = 1
        for i in 0..<60 {
            let at = Int64(1000 + i / 3)
            let correlation = i % 2 == 0 ? "k-even" : "k-odd"
            let entry = journalEntry(i + 1, .toolRequested, at: at, correlation: correlation, payload: ["i": .int(Int64(i)), "token": "s3cr3t"])
            try sqlite.append(project: "p1", conversation: "c1", entry: entry)
            memoryJournal.append(project: "p1", conversation: "c1", entry: entry)
            for (name, conversation) in [(EventKind.toolStarted, "c1"), (.toolCompleted, "c1"), (.toolStarted, "c2")] {
                var event = telemetryEvent(name, at: at, conversation: conversation, correlation: correlation, payload: ["call_id": .string("call-\(i)")])
                try sqlite.append(event)
                event.id = hubId
                hubId += 1
                memoryTelemetry.append(event)
            }
        }
        return (sqlite, IncidentTimelineQuery(journal: memoryJournal, telemetry: memoryTelemetry), fixture)
    }

    @Test(arguments: [nil, "k-odd"], [1, 7, 100, 200, 500, 900])
    func sqlAnswersLikeTheInMemoryQuery(correlation: String?, limit: Int) throws {
        let (sqlite, memory, _) = try filled()
        let fromSQL = try sqlite.incidentTimeline(project: "p1", conversation: "c1", correlationId: correlation, limit: limit)
        let expected = try memory.incidentTimeline(project: "p1", conversation: "c1", correlationId: correlation, limit: limit)
        #expect(fromSQL.totalEntries == expected.totalEntries)
        #expect(fromSQL.limit == expected.limit)
        #expect(fromSQL.requestedLimit == expected.requestedLimit)
        #expect(fromSQL.entries.map(\.comparable) == expected.entries.map(\.comparable))
    }

    @Test func theGenericQueryOverTheJournalAgreesWithTheSQLOne() throws {
        let (sqlite, _, _) = try filled()
        let generic = IncidentTimelineQuery(journal: sqlite, telemetry: sqlite)
        #expect(
            try generic.incidentTimeline(project: "p1", conversation: "c1", limit: 50)
                == sqlite.incidentTimeline(project: "p1", conversation: "c1", limit: 50))
    }

    @Test func journalPayloadsAreRedactedWhenShown() throws {
        let (sqlite, _, _) = try filled()
        let timeline = try sqlite.incidentTimeline(project: "p1", conversation: "c1", limit: 500)
        let requested = timeline.entries.filter { $0.source == .journal }
        #expect(!requested.isEmpty)
        #expect(requested.allSatisfy { $0.payload["token"] != "s3cr3t" })
    }

    @Test func anUnknownConversationHasAnEmptyTimeline() throws {
        let (sqlite, _, _) = try filled()
        let timeline = try sqlite.incidentTimeline(project: "p1", conversation: "nope")
        #expect(timeline.totalEntries == 0)
        #expect(timeline.entries.isEmpty)
    }
}
