import Sandbox
import Testing

@testable import CodeServer

struct JournalTests {
    @Test func migratesAnEmptyDatabaseInOrderAndOnlyOnce() throws {
        let fixture = JournalFixture()
        let names = Migrations.all.map(\.name)
        #expect(try fixture.open().appliedMigrations() == names)
        #expect(try fixture.open().appliedMigrations() == names)
    }

    @Test func migratesUpToANamedMigration() throws {
        let fixture = JournalFixture()
        let connection = try SQLiteConnection(path: fixture.configuration().path)
        try Migrations.migrate(connection, upTo: "create_policy_decisions")
        #expect(try Migrations.applied(connection) == Array(Migrations.all.map(\.name).prefix(3)))
        try Migrations.migrate(connection)
        #expect(try Migrations.applied(connection) == Migrations.all.map(\.name))
    }

    @Test func theTimelineCountsMigrationCountsRowsWrittenBeforeIt() throws {
        let fixture = JournalFixture()
        let connection = try SQLiteConnection(path: fixture.configuration().path)
        try Migrations.migrate(connection, upTo: "index_timeline_and_retention")
        try PreviousSchemaRows.insert(entry: 1, "started", at: 1, project: "p1", conversation: "c1", into: connection)
        try PreviousSchemaRows.insert(name: EventKind.toolStarted.rawValue, at: 2, into: connection)
        try PreviousSchemaRows.insert(name: EventKind.projectStarted.rawValue, conversation: nil, at: 2, into: connection)
        try Migrations.migrate(connection, upTo: "count_conversation_timeline_entries")
        #expect(try connection.integer("SELECT entries FROM conversation_timeline_counts WHERE conversation_id = 'c1'") == 2)
    }

    @Test func refusesAJournalWithAMigrationThisBuildDoesNotKnow() throws {
        let fixture = JournalFixture()
        let connection = try SQLiteConnection(path: fixture.configuration().path)
        try Migrations.migrate(connection)
        try connection.execute("INSERT INTO schema_migrations VALUES ('from_the_future', 0)")
        #expect(throws: StoreError.self) { try Migrations.migrate(connection) }
        do {
            try Migrations.migrate(connection)
        } catch {
            #expect(error.code == .migrationFailed)
        }
    }

    @Test func usesWALWithFullSynchronousCommits() throws {
        let journal = try JournalFixture().open()
        let (mode, synchronous) = try journal.locked { state throws(StoreError) in
            let mode = try state.connection.statement("PRAGMA journal_mode")
            return (try mode.step() ? mode.text(0) : nil, try state.connection.integer("PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(synchronous == 2)  // FULL
    }

    @Test func conversationPayloadsAreRedactedBeforeTheyReachTheDisk() throws {
        let fixture = JournalFixture()
        try fixture.open().append(
            project: "p1", conversation: "c1", entry: journalEntry(1, .toolRequested, at: 1, payload: ["arguments": ["password": "hunter2"]]))
        let stored = try fixture.open().journalEntries(project: "p1", conversation: "c1")
        #expect(stored.first?.payload["arguments"]?["password"] != "hunter2")
        #expect(stored.first?.payload["arguments"]?["password"] != nil)
    }

    @Test func telemetryEventsRoundTripAcrossAReopen() throws {
        let fixture = JournalFixture()
        let payload: [String: JSONValue] = ["tool": "shell.run", "n": 3, "nested": ["list": [true, .null, 1.5]]]
        do {
            let journal = try fixture.open()
            try journal.append(telemetryEvent(.envDenied, at: 10, correlation: "k1", payload: payload))
            try journal.append(telemetryEvent(.toolCompleted, at: 12, correlation: "k1"))
            try journal.append(telemetryEvent(.projectStarted, at: 1, conversation: nil))
            try journal.append(telemetryEvent(.toolStarted, at: 11, conversation: "c2"))
        }
        let events = try fixture.open().events(project: "p1", conversation: "c1")
        #expect(events.map(\.name) == [.envDenied, .toolCompleted])
        #expect(events[0].payload.securityFinding?.evidence["nested"] == payload["nested"])
        #expect(events[0].payload == telemetryEvent(.envDenied, at: 10, payload: payload).payload)
        #expect(events[0].correlationId == "k1")
        #expect(events[0].id < events[1].id)
    }

    @Test func conversationEntriesRoundTripAcrossAReopen() throws {
        let fixture = JournalFixture()
        do {
            let journal = try fixture.open()
            try journal.append(project: "p1", conversation: "c1", entry: journalEntry(1, .started, at: 5))
            try journal.append(
                project: "p1", conversation: "c1", entry: journalEntry(2, .userMessage, at: 6, correlation: "k1", payload: ["text": "hi"]))
            try journal.append(project: "p1", conversation: "c9", entry: journalEntry(1, .started, at: 7))
        }
        let entries = try fixture.open().journalEntries(project: "p1", conversation: "c1")
        #expect(entries.map(\.event) == ["conversation.started", "conversation.user.message"])
        #expect(entries[1].payload == ["text": "hi"])
        #expect(entries[1].correlationId == "k1")
    }

    @Test func policyDecisionsAndAlertsAreIndexedApart() throws {
        let journal = try JournalFixture().open()
        try journal.append(
            telemetryEvent(.policyDenied, at: 1, correlation: "k1", payload: ["tool": "fs.read", "reason": "outside root"]))
        try journal.append(telemetryEvent(.toolStarted, at: 2))
        try journal.append(telemetryEvent(.alertRaised, at: 3, conversation: nil, payload: ["rule": "sandbox_violation", "severity": "page"]))
        let decisions = try journal.recentAuditRecords(project: "p1", kind: .policyDecisions, limit: 10)
        let alerts = try journal.recentAuditRecords(project: "p1", kind: .alerts, limit: 10)
        #expect(decisions.map(\.name) == [.policyDenied])
        #expect(decisions.first?.payload.tool == "fs.read")
        #expect(alerts.map(\.name) == [.alertRaised])
    }

    @Test func theHubKeepsItsEventsInTheJournal() throws {
        let journal = try JournalFixture().open()
        let hub = TelemetryHub(clock: ManualClock(), store: journal)
        try hub.emitRecorded(telemetryEvent(.envDenied, at: 1, correlation: "k1", payload: ["api_key": "hunter2"]))
        let stored = try journal.events(project: "p1", conversation: "c1")
        #expect(stored.map(\.name) == [.envDenied])
        #expect(stored.first?.payload.securityFinding?.evidence["api_key"] == "[REDACTED]")
    }
}
