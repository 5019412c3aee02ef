import Sandbox
import Testing

@testable import CodeServer

/// The model's context rebuilt from journal entries: turn by turn in the order the user messages
/// arrived (a message that came during another turn is not spliced into it), tool calls paired
/// with their outputs, the runtime's notes for turns without an answer, nothing for a cancel.
struct ChatContextJournalTests {
    private func entry(_ n: Int, _ kind: ConversationEntry.Kind, _ correlation: String?, _ payload: JSONValue) -> ConversationEntry {
        ConversationEntry(sequence: n, kind: kind, correlationId: correlation, atMs: Int64(n), payload: payload)
    }

    @Test func rebuildsTurnsInOrderWithCallsOutputsAnswersAndNotes() {
        let call = ChatMessage(
            role: .assistant, content: nil, toolCalls: [ChatToolCall(id: "call_a", name: "shell_run", arguments: #"{"argv":["true"]}"#)])
        let output = ChatMessage(role: .tool, content: #"{"status":"completed"}"#, toolCallId: "call_a")
        let entries = [
            entry(1, .started, nil, [:]),
            entry(2, .userMessage, "t1", ["text": "first"]),
            entry(3, .userMessage, "t2", ["text": "second, sent while the first ran"]),
            entry(4, .toolRequested, "t1", ["call_id": "call-1", "tool": "shell.run"]),
            entry(5, .assistantToolCalls, "t1", ChatContextJournal.payload(of: call)),
            entry(6, .toolResult, "t1", ["call_id": "call-1", "status": "completed"]),
            entry(7, .toolOutput, "t1", ChatContextJournal.payload(of: output)),
            entry(8, .assistantMessage, "t1", ["text": "done", "steps": 2]),
            entry(9, .llmFailed, "t2", ["reason": "server_error", "detail": "500", "final": true]),
            entry(10, .userMessage, "t3", ["text": "third"]),
            entry(11, .llmFailed, "t3", ["reason": "cancelled", "detail": "", "final": true]),
            entry(12, .userMessage, "t4", ["text": "fourth"]),
            entry(13, .llmFailed, "t4", ["reason": "max_turn_steps_exceeded", "detail": "too many steps", "final": true]),
        ]
        let rebuilt = ChatContextJournal.rebuild(from: entries)
        #expect(rebuilt.context == [
            ChatMessage(role: .user, content: "first"), call, output, ChatMessage(role: .assistant, content: "done"),
            ChatMessage(role: .user, content: "second, sent while the first ran"),
            ChatMessage(role: .assistant, content: "[the runtime ended this turn: model request failed (server_error)]"),
            ChatMessage(role: .user, content: "third"),
            ChatMessage(role: .user, content: "fourth"),
            ChatMessage(role: .assistant, content: "[the runtime ended this turn: too many steps]"),
        ])
        #expect(rebuilt.turns == 4)
    }

    @Test func entriesWithoutACorrelationIdOrWithAnUnusablePayloadAddNothing() {
        let entries = [
            entry(1, .userMessage, nil, ["text": "no turn"]),
            entry(2, .userMessage, "t1", ["not_text": 1]),
            entry(3, .assistantToolCalls, "t1", ["tool_calls": [["id": "x"]]]),
        ]
        let rebuilt = ChatContextJournal.rebuild(from: entries)
        #expect(rebuilt.context.isEmpty)
        #expect(rebuilt.turns == 0)
    }
}
