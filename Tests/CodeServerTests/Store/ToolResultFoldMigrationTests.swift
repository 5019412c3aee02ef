import Sandbox
import Testing

@testable import CodeServer

/// `fold_tool_results` on a journal written before a call's ending was its conversation's entry:
/// each `conversation.tool_result` entry becomes the ending event it stood beside, keeping its
/// number, and the ending's own row goes.
struct ToolResultFoldMigrationTests {
    private struct Row {
        var conversation: String?
        var kind: String
        var entrySequence: Int64?
        var atMs: Int64
        var payload: String
    }

    private static let t: Int64 = 1_796_000_000_000

    private func journal(_ rows: [Row]) throws -> SQLiteJournal {
        let fixture = JournalFixture()
        let connection = try SQLiteConnection(path: fixture.configuration().path)
        try Migrations.migrate(connection, upTo: "fold_conversation_entries")
        let insert = try connection.statement(
            """
            INSERT INTO events (project_id, conversation_id, correlation_id, kind, entry_sequence, at_ms, payload)
            VALUES ('p', ?1, 'k', ?2, ?3, ?4, ?5)
            """)
        for row in rows {
            insert.reset()
            if let conversation = row.conversation { insert.bind(1, conversation) }
            insert.bind(2, row.kind)
            if let sequence = row.entrySequence { insert.bind(3, sequence) }
            insert.bind(4, row.atMs)
            insert.bind(5, row.payload)
            try insert.run()
        }
        return try fixture.open()
    }

    private func requested(_ call: String, _ sequence: Int64, at: Int64) -> Row {
        Row(
            conversation: "c", kind: "conversation.tool_requested", entrySequence: sequence, atMs: at,
            payload: #"{"call_id":"\#(call)","tool":"shell.run","run_mode":"async","arguments":{}}"#)
    }

    private func result(_ call: String, _ sequence: Int64, at: Int64, status: String, reason: String? = nil) -> Row {
        let reason = reason.map { #","reason":"\#($0)""# } ?? ""
        return Row(
            conversation: "c", kind: "conversation.tool_result", entrySequence: sequence, atMs: at,
            payload: #"{"call_id":"\#(call)","tool":"shell.run","status":"\#(status)"\#(reason)}"#)
    }


    @Test func eachResultBecomesItsEndingAndKeepsItsNumber() throws {
        let t = Self.t
        let failed = #"{"call_id":"a","tool":"shell.run","reason":"policy_denied","message":"no","reason_codes":["tool_denied"]}"#
        let journal = try journal([
            Row(conversation: "c", kind: "conversation.started", entrySequence: 1, atMs: t, payload: "{}"),
            requested("a", 2, at: t),
            Row(conversation: "c", kind: "tool.failed", entrySequence: nil, atMs: t + 1, payload: failed),
            result("a", 3, at: t + 2, status: "failed", reason: "policy_denied"),
            // Two calls that ended in one order and were journaled in the other.
            requested("b", 4, at: t + 10),
            requested("c", 5, at: t + 10),
            Row(
                conversation: "c", kind: "tool.completed", entrySequence: nil, atMs: t + 20,
                payload: #"{"call_id":"b","tool":"shell.run","duration_ms":7,"sensitive":false,"exit_code":3}"#),
            Row(
                conversation: "c", kind: "tool.cancelled", entrySequence: nil, atMs: t + 21,
                payload: #"{"call_id":"c","tool":"shell.run"}"#),
            result("c", 6, at: t + 22, status: "cancelled", reason: "cancelled"),
            result("b", 7, at: t + 22, status: "completed"),
            // A workflow's step: a call of its own, whose ending is no entry of the conversation.
            Row(
                conversation: "c", kind: "tool.completed", entrySequence: nil, atMs: t + 30,
                payload: #"{"call_id":"step","tool":"fs.list","duration_ms":1,"sensitive":false}"#),
            // A result journaled long after its ending (a loaded machine): paired all the same.
            requested("d", 8, at: t + 40),
            Row(
                conversation: "c", kind: "tool.timeout", entrySequence: nil, atMs: t + 50,
                payload: #"{"call_id":"d","tool":"shell.run","timeout_ms":100,"duration_ms":104}"#),
            result("d", 9, at: t + 50 + 120_000, status: "timeout", reason: "timeout"),
        ])
        #expect(try journal.textRows("SELECT count(*) FROM events WHERE kind = 'conversation.tool_result'") == [["0"]])
        #expect(try journal.textRows(
            "SELECT entry_sequence, kind, at_ms - \(t), json_extract(payload, '$.call_id') FROM events "
                + "WHERE kind LIKE 'tool.%' ORDER BY id") == [
            ["3", "tool.failed", "2", "a"],
            ["6", "tool.cancelled", "22", "c"],
            ["7", "tool.completed", "22", "b"],
            ["NULL", "tool.completed", "30", "step"],
            ["9", "tool.timeout", "120050", "d"],
        ])

        // The entries read back through the strict reader, numbered without a gap, with the
        // endings' own detail, and nothing is left pending.
        let entries = try #require(try journal.openConversations(project: "p", limit: 10).first?.entries)
        #expect(entries.map(\.sequence) == Array(1...9))
        #expect(entries.filter { $0.kind == .toolResult }.map(\.payload.kind) == [.toolFailed, .toolCancelled, .toolCompleted, .toolTimeout])
        guard case .toolFailed(let denied) = entries[2].payload else {
            Issue.record("entry 3 is \(entries[2].payload.kind)")
            return
        }
        #expect(denied.message == "no" && denied.reasonCodes == [.toolDenied])
        guard case .toolCompleted(let exited) = entries[6].payload else {
            Issue.record("entry 7 is \(entries[6].payload.kind)")
            return
        }
        #expect(exited.exitCode == 3 && exited.durationMs == 7)
    }

    @Test func aResultWhoseEndingWasCutByRetentionBecomesTheEndingItDescribes() throws {
        let t = Self.t
        let journal = try journal([
            Row(conversation: "c", kind: "conversation.started", entrySequence: 1, atMs: t, payload: "{}"),
            requested("a", 2, at: t), result("a", 3, at: t, status: "completed"),
            requested("b", 4, at: t), result("b", 5, at: t, status: "failed", reason: "worker_crashed"),
            requested("c", 6, at: t), result("c", 7, at: t, status: "timeout", reason: "timeout"),
            requested("d", 8, at: t), result("d", 9, at: t, status: "cancelled", reason: "cancelled"),
        ])
        let entries = try #require(try journal.openConversations(project: "p", limit: 10).first?.entries)
        #expect(entries.map(\.sequence) == Array(1...9))
        #expect(entries.filter { $0.kind == .toolResult }.map(\.payload.kind) == [.toolCompleted, .toolFailed, .toolTimeout, .toolCancelled])
        #expect(entries.filter { $0.kind == .toolResult }.map(\.payload.callId) == ["a", "b", "c", "d"])
        guard case .toolFailed(let failed) = entries[4].payload else {
            Issue.record("entry 5 is \(entries[4].payload.kind)")
            return
        }
        #expect(failed.reason == .workerCrashed)
        #expect(failed.message == "the detail of this failure was not kept")
    }
}
