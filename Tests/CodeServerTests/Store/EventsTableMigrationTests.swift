import Sandbox
import Testing

@testable import CodeServer

/// A data directory made by the schema before `one_events_table` (two event tables, side tables
/// for decisions and alerts, count triggers): after the migrations every fact is in `events` once
/// (`fold_conversation_entries` folds each entry and its twin event), in time order, the renamed
/// kind is rewritten, the old tables are gone, and every projection (timeline, audit records, open
/// conversations, restore point) answers from the one table.
struct EventsTableMigrationTests {
    private func previousDataDirectory() throws -> JournalFixture {
        let fixture = JournalFixture()
        let connection = try SQLiteConnection(path: fixture.configuration().path)
        try Migrations.migrate(connection, upTo: "index_project_correlation_timeline")
        try PreviousSchemaRows.insert(entry: 1, "started", at: 10, project: "p1", conversation: "c1", into: connection)
        try PreviousSchemaRows.insert(name: EventKind.conversationStarted.rawValue, at: 10, into: connection)
        try PreviousSchemaRows.insert(
            entry: 2, "user_message", at: 20, correlation: "k1", payload: ["text": "hello"], project: "p1", conversation: "c1",
            into: connection)
        try PreviousSchemaRows.insert(name: "conversation.user_message", correlation: "k1", at: 20, payload: ["sequence": 2], into: connection)
        let requested: JSONValue = ["call_id": "call-1", "tool": "shell.run", "run_mode": "sync", "arguments": ["argv": ["true"]]]
        try PreviousSchemaRows.insert(
            entry: 3, "tool_requested", at: 30, correlation: "k2", payload: requested, project: "p1", conversation: "c1",
            into: connection)
        try PreviousSchemaRows.insert(
            name: EventKind.conversationToolRequested.rawValue, correlation: "k2", at: 30, payload: requested, into: connection)
        try PreviousSchemaRows.insert(name: EventKind.policyDenied.rawValue, correlation: "k2", at: 30, payload: EventSamples.payload(.policyDenied).json, into: connection)
        try PreviousSchemaRows.insert(name: EventKind.alertRaised.rawValue, conversation: nil, at: 40, payload: EventSamples.payload(.alertRaised).json, into: connection)
        // A second conversation, stopped: not open after the migration either.
        try PreviousSchemaRows.insert(entry: 1, "started", at: 5, project: "p1", conversation: "c2", into: connection)
        try PreviousSchemaRows.insert(entry: 2, "stopped", at: 6, project: "p1", conversation: "c2", into: connection)
        return fixture
    }

    @Test func everyOldRowIsInTheOneTableOnceInTimeOrderAndTheOldTablesAreGone() throws {
        let fixture = try previousDataDirectory()
        let journal = try fixture.open()
        #expect(try journal.appliedMigrations().suffix(3) == ["one_events_table", "fold_conversation_entries", "fold_tool_results"])
        let (tables, kinds) = try journal.read { connection throws(StoreError) in
            let tables = try connection.statement("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            var names: [String] = []
            while try tables.step() { names.append(tables.text(0) ?? "") }
            let kinds = try connection.statement("SELECT kind, entry_sequence IS NOT NULL FROM events ORDER BY id")
            var rows: [String] = []
            while try kinds.step() { rows.append((kinds.text(0) ?? "") + (kinds.int64(1) == 1 ? " (entry)" : "")) }
            return (names, rows)
        }
        #expect(!tables.contains("conversation_events"))
        #expect(!tables.contains("telemetry_events"))
        #expect(!tables.contains("policy_decisions"))
        #expect(!tables.contains("alerts"))
        #expect(!tables.contains("conversation_timeline_counts"))
        #expect(kinds == [
            "conversation.started (entry)", "conversation.stopped (entry)", "conversation.started (entry)",
            "conversation.user.message (entry)", "conversation.tool_requested (entry)", "policy.denied", "alert.raised",
        ])
        #expect(try journal.rowCounts() == (5, 2))
    }

    @Test func theProjectionsAnswerFromTheMigratedRows() throws {
        let journal = try previousDataDirectory().open()
        let timeline = try journal.incidentTimeline(project: "p1", conversation: "c1", correlationId: "k1")
        #expect(timeline.entries.map(\.event) == ["conversation.user.message"])
        #expect(timeline.entries.map(\.source) == [.journal])
        #expect(timeline.entries.first?.payload == ["text": "hello"])

        #expect(try journal.recentAuditRecords(project: "p1", kind: .policyDecisions, limit: 5).map(\.name) == [.policyDenied])
        #expect(try journal.recentAuditRecords(project: "p1", kind: .alerts, limit: 5).map(\.name) == [.alertRaised])

        let open = try journal.openConversations(project: "p1", limit: 100)
        #expect(open.map(\.id) == ["c1"])
        #expect(open.first?.entries.map(\.kind) == [.started, .userMessage, .toolRequested])

        let restore = try journal.telemetryRestorePoint(sinceMs: 0, limit: 100)
        #expect(restore.counts["p1"]?[EventKind.conversationUserMessage.rawValue] == 1)
        #expect(restore.counts["p1"]?["conversation.user_message"] == nil)
        #expect(
            restore.recent.map(\.name) == [
                .conversationStarted, .conversationStopped, .conversationStarted, .conversationUserMessage,
                .conversationToolRequested, .policyDenied, .alertRaised,
            ])

        // New rows continue after the migrated ones.
        try journal.append(telemetryEvent(.toolCompleted, at: 50, correlation: "k2"))
        let call = try journal.incidentTimeline(project: "p1", conversation: nil, correlationId: "k2")
        #expect(call.entries.map(\.event) == ["conversation.tool_requested", "policy.denied", "tool.completed"])
    }

    @Test func aConversationReadsItsHistoryBackFromTheStoreWithALimit() throws {
        let journal = try JournalFixture().open()
        try journal.append(project: "p1", conversation: "c1", entry: journalEntry(1, .started, at: 1))
        for i in 2...300 {
            try journal.append(
                project: "p1", conversation: "c1", entry: journalEntry(i, .userMessage, at: Int64(i), payload: ["text": .string("m\(i)")]))
        }
        let newest = try journal.recentEntries(project: "p1", conversation: "c1", limit: 10)
        #expect(newest.map(\.sequence) == Array(291...300))
        #expect(try journal.recentEntries(project: "p1", conversation: "c1", limit: 1000).count == 300)
        // A reused id: only what follows its latest start.
        try journal.append(project: "p1", conversation: "c1", entry: journalEntry(1, .started, at: 400))
        #expect(try journal.recentEntries(project: "p1", conversation: "c1", limit: 1000).map(\.sequence) == [1])
    }
}
