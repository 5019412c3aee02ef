import Sandbox
import Testing

@testable import CodeServer

/// A data directory written by main's daemon (`MainLayoutRows`: every conversation fact as an
/// entry row plus, for most, a twin event row) opened by this build: `fold_conversation_entries`
/// and `fold_tool_results` leave one row per fact, and the conversations, their pending calls,
/// the model's context, the timeline and the counts a restart rebuilds all read those rows.
struct MainLayoutMigrationTests {
    private func mainDataDirectory() throws -> JournalFixture {
        let fixture = JournalFixture()
        let connection = try SQLiteConnection(path: fixture.configuration().path)
        try Migrations.migrate(connection, upTo: "one_events_table")
        let insert = try connection.statement(
            """
            INSERT INTO events (id, project_id, conversation_id, correlation_id, kind, entry_sequence, at_ms, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        for row in MainLayoutRows.rows {
            insert.reset()
            insert.bind(1, row.id)
            insert.bind(2, row.project)
            insert.bind(3, row.conversation)
            insert.bind(4, row.correlation)
            insert.bind(5, row.kind)
            if let sequence = row.entrySequence { insert.bind(6, sequence) }
            insert.bind(7, row.atMs)
            insert.bind(8, row.payload)
            try insert.run()
        }
        return fixture
    }


    @Test func eachFactIsOneRowAndEveryRowReadsAsItsTypedEvent() throws {
        let journal = try mainDataDirectory().open()
        // Main wrote 159 rows for these facts: 35 were twins of an entry, and 9 were the endings
        // of conversation calls beside their `conversation.tool_result`.
        #expect(MainLayoutRows.rows.count == 159)
        #expect(try journal.textRows("SELECT count(*) FROM events") == [["115"]])
        // No entry kind of main's own vocabulary is left, and no entry has a twin event any more.
        #expect(try journal.textRows("SELECT count(*) FROM events WHERE kind IN ('conversation.calls_cancelled', "
            + "'conversation.queue_overflow', 'conversation.assistant_message', 'conversation.llm_failed', "
            + "'conversation.turn_cancelled')") == [["0"]])
        for kind in ConversationEntry.Kind.allCases where kind != .llmFailed && kind != .callsCancelled {
            for event in kind.events {
                let twins = try journal.textRows(
                    "SELECT count(*) FROM events WHERE kind = '\(event.rawValue)' AND entry_sequence IS NULL "
                        + "AND conversation_id IS NOT NULL")
                #expect(twins == [["0"]], "\(event.rawValue) still has a twin event")
            }
        }
        // Each call's end is its ending event, numbered as the result it replaced.
        #expect(try journal.textRows("SELECT count(*) FROM events WHERE kind = 'conversation.tool_result'") == [["0"]])
        let endings = try journal.textRows(
            "SELECT kind, entry_sequence, json_extract(payload, '$.call_id') FROM events "
                + "WHERE project_id = 'pt' AND conversation_id = 'ct' AND kind LIKE 'tool.%' AND kind != 'tool.started' "
                + "AND kind != 'tool.child_processes_terminated' ORDER BY id")
        let results = try MainLayoutRows.rows.filter {
            $0.project == "pt" && $0.conversation == "ct" && $0.kind == "conversation.tool_result"
        }.map { row in
            let payload = try JSONParser.parse(row.payload)
            return ["tool." + (payload["status"]?.stringValue ?? "?"), "\(row.entrySequence ?? -1)", payload["call_id"]?.stringValue ?? "?"]
        }
        #expect(endings == results)
        // The retried model request was an event only; the two final failures are entries.
        #expect(try journal.textRows("SELECT entry_sequence IS NOT NULL, count(*) FROM events WHERE kind = 'llm.failed' GROUP BY 1")
            == [["0", "1"], ["1", "2"]])
        // Every row reads through the strict reader as its kind's payload.
        let restore = try journal.telemetryRestorePoint(sinceMs: 0, limit: 1000)
        #expect(restore.recent.count == 115)
        #expect(restore.counts["pm"]?[EventKind.conversationUserMessage.rawValue] == 7)
        #expect(restore.counts["pt"]?[EventKind.conversationUserMessage.rawValue] == 2)
        #expect(restore.counts["pt"]?[EventKind.toolChildProcessesTerminated.rawValue] == 2)
        #expect(restore.recent.filter { $0.entrySequence != nil }.count == 59)
    }

    @Test func conversationsTheirPendingCallsAndTheModelsContextComeBack() throws {
        let journal = try mainDataDirectory().open()
        let open = try journal.openConversations(project: "pm", limit: 1000)
        #expect(open.map(\.id) == ["cm"])
        let entries = try #require(open.first?.entries)
        #expect(entries.map(\.sequence) == Array(1...entries.count))
        #expect(entries.first?.kind == .started)
        #expect(Set(entries.map(\.kind)) == [
            .started, .userMessage, .assistantToolCalls, .toolRequested, .toolResult, .toolOutput, .assistantMessage,
            .toolRefused, .llmFailed, .turnCancelled, .resumed,
        ])

        // The model's context as the agent had it: each turn's user message, the model's calls,
        // their outputs, and the turn's end.
        let rebuilt = ChatContextJournal.rebuild(from: entries)
        #expect(rebuilt.turns == 7)
        #expect(rebuilt.context.filter { $0.role == .user }.compactMap(\.content) == [
            "scenario:one_tool a", "scenario:invalid_args b", "scenario:huge_args c", "scenario:rate_limited d",
            "scenario:loop e", "scenario:final f", "scenario:hang g",
        ])
        let calls = rebuilt.context.flatMap(\.toolCalls).map(\.id)
        let outputs = rebuilt.context.filter { $0.role == .tool }.compactMap(\.toolCallId)
        #expect(!calls.isEmpty)
        #expect(calls == outputs)
        #expect(rebuilt.context.contains { $0.content?.hasPrefix("[the runtime ended this turn:") == true })

        // Project pt: `ct` cancelled its two async calls; `ck` had one running when the daemon
        // was killed, which the restart recorded as cancelled. Nothing is pending in either.
        let stored = try journal.openConversations(project: "pt", limit: 1000)
        #expect(stored.map(\.id) == ["ct", "ck"])
        for conversation in stored {
            var open: Set<String> = []
            for entry in conversation.entries {
                switch entry.payload {
                case .conversationToolRequested(let requested): open.insert(requested.callId)
                case .toolCompleted, .toolFailed, .toolTimeout, .toolCancelled:
                    #expect(entry.kind == .toolResult)
                    open.remove(entry.payload.callId ?? "")
                case .toolChildProcessesTerminated(let terminated): open.subtract(terminated.callIds)
                default: break
                }
            }
            #expect(open.isEmpty, "\(conversation.id) has pending calls \(open)")
        }
        let restart = stored.last?.entries.last
        guard case .toolChildProcessesTerminated(let terminated)? = restart?.payload else {
            Issue.record("ck does not end with the restart's cancellation: \(String(describing: restart))")
            return
        }
        #expect(terminated.reason == .coordinatorRestarted)
        #expect(restart?.kind == .callsCancelled)
        #expect(restart?.json["kind"] == "calls_cancelled")
    }

    @Test func theTimelineShowsEachFactOnce() throws {
        let journal = try mainDataDirectory().open()
        let sync = try journal.incidentTimeline(project: "pt", conversation: "ct", correlationId: "k-sync")
        #expect(sync.entries.map(\.event).sorted() == [
            "conversation.tool_requested", "policy.allowed", "tool.completed", "tool.started",
        ])
        #expect(sync.entries.first?.event == "conversation.tool_requested")
        #expect(sync.entries.filter { $0.source == .journal }.map(\.event) == ["conversation.tool_requested", "tool.completed"])
        let message = try journal.incidentTimeline(project: "pt", conversation: "ct", correlationId: "k-msg")
        #expect(message.entries.map(\.event) == ["conversation.user.message"])
        // Stored redacted by main's journal, and still.
        #expect(message.entries.first?.payload["text"]?.stringValue?.contains("sk-abcdefghijklmnop") == false)
        let cancel = try journal.incidentTimeline(project: "pt", conversation: "ct", correlationId: "k-cancel2")
        #expect(cancel.entries.map(\.event).filter { $0 == EventKind.toolChildProcessesTerminated.rawValue }.count == 1)
        let stopped = try journal.incidentTimeline(project: "pt", conversation: "cs", limit: 100)
        #expect(stopped.entries.map(\.event) == ["conversation.started", "conversation.user.message", "conversation.stopped"])
    }
}
