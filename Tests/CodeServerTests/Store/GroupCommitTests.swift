#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import Synchronization
import TestSupport
import Testing

@testable import CodeServer

/// The journal's one writer: writes from many threads share transactions, each acknowledged
/// write is readable, and a data directory made by the previous schema is read by this one.
struct GroupCommitTests {
    @Test func concurrentAcknowledgedEmitsShareTransactions() throws {
        let journal = try JournalFixture().open()
        let emitters = 8
        let each = 50
        let done = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        for emitter in 0..<emitters {
            DetachedThread.start(stackSize: nil) {
                for i in 0..<each {
                    do {
                        try journal.append(
                            telemetryEvent(.toolStarted, at: Int64(i), correlation: "e\(emitter)-\(i)", project: "p\(emitter)"))
                        try journal.flush()
                    } catch {
                        failures.add(1, ordering: .relaxed)
                    }
                }
                done.add(1, ordering: .releasing)
            }
        }
        while done.load(ordering: .acquiring) < emitters {
            var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
            nanosleep(&pause, nil)
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try journal.rowCounts().otherEvents == emitters * each)
        // Every emit waited for its own commit, yet they did not each get one.
        #expect(journal.writer.batchCount < UInt64(emitters * each), "batches: \(journal.writer.batchCount)")
        for emitter in 0..<emitters {
            let timeline = try journal.incidentTimeline(project: "p\(emitter)", conversation: nil, correlationId: "e\(emitter)-7")
            #expect(timeline.totalEntries == 1)
        }
    }

    @Test func durableSinceAMarkCoversEverythingQueuedAfterIt() async throws {
        let journal = try JournalFixture().open()
        let mark = journal.mark()
        for i in 0..<100 { try journal.append(telemetryEvent(.toolCompleted, at: Int64(i), correlation: "k")) }
        try await journal.durable(since: mark)
        let entries = try journal.state.withLock { state in
            try state.connection.integer("SELECT count(*) FROM events")
        }
        #expect(entries == 100)
    }

    /// A data directory written by the schema before the project-wide correlation index: its
    /// rows answer the new query after the migration.
    @Test func aJournalFromThePreviousSchemaAnswersTheProjectWideTimeline() throws {
        let fixture = JournalFixture()
        do {
            let connection = try SQLiteConnection(path: fixture.configuration().path)
            try Migrations.migrate(connection, upTo: "count_conversation_timeline_entries")
            try PreviousSchemaRows.insert(
                entry: 1, "tool_requested", at: 1, correlation: "k1",
                payload: ["call_id": "call-1", "tool": "shell.run", "run_mode": "sync", "arguments": ["argv": ["true"]]],
                project: "p1", conversation: "c1", into: connection)
            try PreviousSchemaRows.insert(name: EventKind.toolCompleted.rawValue, correlation: "k1", at: 2, into: connection)
            try PreviousSchemaRows.insert(
                name: EventKind.toolCompleted.rawValue, conversation: nil, correlation: "k1", at: 3, into: connection)
        }
        let journal = try fixture.open()
        #expect(try journal.appliedMigrations().last == Migrations.all.last?.name)
        let timeline = try journal.incidentTimeline(project: "p1", conversation: nil, correlationId: "k1")
        #expect(timeline.totalEntries == 3)
        #expect(timeline.entries.map(\.event) == ["conversation.tool_requested", "tool.completed", "tool.completed"])
        #expect(timeline.json["conversation_id"] == .null)
    }

    /// Open conversations come back from the journal with their entries; a stopped one does not.
    @Test func openConversationsAreTheStartedAndNotStoppedOnes() throws {
        let journal = try JournalFixture().open()
        try journal.append(project: "p1", conversation: "c1", entry: journalEntry(1, .started, at: 1))
        try journal.append(project: "p1", conversation: "c1", entry: journalEntry(2, .userMessage, at: 2, payload: ["text": "hi"]))
        try journal.append(project: "p1", conversation: "c2", entry: journalEntry(1, .started, at: 3))
        try journal.append(project: "p1", conversation: "c2", entry: journalEntry(2, .stopped, at: 4))
        try journal.append(project: "p2", conversation: "c3", entry: journalEntry(1, .started, at: 5))
        let open = try journal.openConversations(project: "p1", limit: 100)
        #expect(open.map(\.id) == ["c1"])
        #expect(open.first?.entries.map(\.sequence) == [1, 2])
    }
}
