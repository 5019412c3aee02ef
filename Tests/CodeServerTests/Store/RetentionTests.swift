import Testing

@testable import CodeServer

struct RetentionTests {
    private let day: Int64 = 24 * 3_600_000

    @Test func rowsOlderThanTheMaximumAgeGoAndYoungerOnesStay() throws {
        let clock = ManualClock(startMs: 10 * day)
        let journal = try JournalFixture().open(maxAgeMs: day, clock: clock)
        try journal.append(telemetryEvent(.toolStarted, at: 9 * day - 1))
        try journal.append(telemetryEvent(.toolStarted, at: 9 * day))
        try journal.append(project: "p1", conversation: "c1", entry: journalEntry(1, .started, at: 9 * day - 1))
        try journal.append(project: "p1", conversation: "c1", entry: journalEntry(2, .stopped, at: 9 * day))

        let deleted = try journal.enforceRetention()
        #expect(deleted == SQLiteJournal.RetentionResult(events: 2))
        #expect(try journal.rowCounts() == (1, 1))

        clock.advance(byMs: 1)
        try journal.enforceRetention()
        #expect(try journal.rowCounts() == (0, 0))
    }

    @Test func theEventsTableKeepsOnlyItsNewestRowsPastTheSizeLimit() throws {
        let journal = try JournalFixture().open(maxRows: 6)
        for i in 0..<5 {
            try journal.append(telemetryEvent(.toolStarted, at: Int64(i), correlation: "k\(i)"))
            try journal.append(project: "p1", conversation: "c1", entry: journalEntry(i + 1, .userMessage, at: Int64(i), correlation: "k\(i)"))
        }
        try journal.enforceRetention()
        #expect(try journal.rowCounts() == (3, 3))
        // The conversation's rows, its entries among them (each an event too).
        let kept = try journal.events(project: "p1", conversation: "c1")
        #expect(kept.filter { $0.entrySequence == nil }.compactMap(\.correlationId) == ["k2", "k3", "k4"])
        #expect(kept.compactMap(\.entrySequence) == [3, 4, 5])
        #expect(try journal.incidentTimeline(project: "p1", conversation: "c1").totalEntries == 6)
    }

    @Test func retentionRunsByItselfEveryConfiguredNumberOfAppends() throws {
        let journal = try JournalFixture().open(maxRows: 2, checkEvery: 4)
        for i in 0..<3 { try journal.append(telemetryEvent(.toolStarted, at: Int64(i))) }
        #expect(try journal.rowCounts().otherEvents == 3)
        try journal.append(telemetryEvent(.toolStarted, at: 3))
        #expect(try journal.rowCounts().otherEvents == 2)
    }

    @Test func policyDecisionsAndAlertsGoWithTheirEvent() throws {
        let journal = try JournalFixture().open(maxRows: 1)
        try journal.append(telemetryEvent(.policyDenied, at: 1))
        try journal.append(telemetryEvent(.alertRaised, at: 2, payload: ["rule": "r"]))
        try journal.append(telemetryEvent(.toolStarted, at: 3))
        try journal.enforceRetention()
        #expect(try journal.recentAuditRecords(project: "p1", kind: .policyDecisions, limit: 10).isEmpty)
        #expect(try journal.recentAuditRecords(project: "p1", kind: .alerts, limit: 10).isEmpty)
    }

    @Test func theRegistryIsNotHistoryAndIsNeverPruned() throws {
        let clock = ManualClock(startMs: 100 * day)
        let journal = try JournalFixture().open(maxAgeMs: day, maxRows: 1, clock: clock)
        try journal.register(RegisteredProject(id: "p1", root: "/r", options: [:], registeredAtMs: 0))
        try journal.enforceRetention()
        #expect(try journal.registeredProjects().map(\.id) == ["p1"])
    }
}
