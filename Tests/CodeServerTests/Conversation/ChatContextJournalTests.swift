import Sandbox
import Testing

@testable import CodeServer

/// The model's context rebuilt from journal entries: turn by turn in the order the user messages
/// arrived (a message that came during another turn is not spliced into it), tool calls paired
/// with their outputs, the runtime's notes for turns without an answer, nothing for a cancel.
struct ChatContextJournalTests {
    private func entry(_ n: Int, _ correlation: String?, _ payload: EventPayload) -> ConversationEntry {
        ConversationEntry(sequence: n, correlationId: correlation, atMs: Int64(n), payload: payload)!
    }

    private func failed(_ reason: LLMFailureReason, _ detail: String) -> EventPayload {
        .llmFailed(LLMFailed(reason: reason, detail: detail, step: 1, retry: nil))
    }

    @Test func rebuildsTurnsInOrderWithCallsOutputsAnswersAndNotes() {
        let calls = [ChatToolCall(id: "call_a", name: "shell_run", arguments: #"{"argv":["true"]}"#)]
        let entries = [
            entry(1, nil, .conversationStarted),
            entry(2, "t1", .conversationUserMessage(UserMessage(text: "first"))),
            entry(3, "t2", .conversationUserMessage(UserMessage(text: "second, sent while the first ran"))),
            entry(
                4, "t1", .conversationToolRequested(ToolRequested(callId: "call-1", tool: "shell.run", runMode: .sync, arguments: [:]))),
            entry(5, "t1", .conversationAssistantToolCalls(AssistantToolCalls(content: nil, toolCalls: calls))),
            entry(6, "t1", .toolCompleted(ToolCompleted(callId: "call-1", tool: "shell.run", durationMs: 3, sensitive: false))),
            entry(7, "t1", .conversationToolOutput(ToolOutput(toolCallId: "call_a", content: #"{"status":"completed"}"#))),
            entry(8, "t1", .conversationAssistantMessage(AssistantMessage(text: "done", steps: 2))),
            entry(9, "t2", failed(.serverError, "500")),
            entry(10, "t3", .conversationUserMessage(UserMessage(text: "third"))),
            entry(11, "t3", failed(.cancelled, "")),
            entry(12, "t4", .conversationUserMessage(UserMessage(text: "fourth"))),
            entry(13, "t4", failed(.maxTurnStepsExceeded, "too many steps")),
        ]
        let rebuilt = ChatContextJournal.rebuild(from: entries)
        #expect(rebuilt.context == [
            ChatMessage(role: .user, content: "first"), ChatMessage(role: .assistant, content: nil, toolCalls: calls),
            ChatMessage(role: .tool, content: #"{"status":"completed"}"#, toolCallId: "call_a"),
            ChatMessage(role: .assistant, content: "done"),
            ChatMessage(role: .user, content: "second, sent while the first ran"),
            ChatMessage(role: .assistant, content: "[the runtime ended this turn: model request failed (server_error)]"),
            ChatMessage(role: .user, content: "third"),
            ChatMessage(role: .user, content: "fourth"),
            ChatMessage(role: .assistant, content: "[the runtime ended this turn: too many steps]"),
        ])
        #expect(rebuilt.turns == 4)
    }

    @Test func entriesWithoutACorrelationIdAddNothing() {
        let rebuilt = ChatContextJournal.rebuild(from: [entry(1, nil, .conversationUserMessage(UserMessage(text: "no turn")))])
        #expect(rebuilt.context.isEmpty)
        #expect(rebuilt.turns == 0)
    }

    /// What main's journal held only as loose JSON is read strictly now: a tool-call reply
    /// without a usable call, or a user message without its text, is a corrupt row, named.
    @Test func unusablePayloadsAreRefusedByTheStrictReaderNamingTheMember() {
        let cases: [(EventKind, JSONValue, String)] = [
            (.conversationUserMessage, ["not_text": 1], "text"),
            (.conversationAssistantToolCalls, ["content": nil, "tool_calls": [["id": "x"]]], "tool_calls[0].type"),
            (.conversationAssistantToolCalls, ["content": nil, "tool_calls": []], "tool_calls"),
            (
                .conversationAssistantToolCalls,
                ["content": nil, "tool_calls": [["id": "x", "type": "function", "function": ["name": "n", "arguments": 1]]]],
                "tool_calls[0].function.arguments"
            ),
            (
                .conversationAssistantToolCalls,
                ["tool_calls": [["id": "x", "type": "function", "function": ["name": "n", "arguments": ""], "extra": 1]]],
                "tool_calls[0].extra"
            ),
            (.conversationToolOutput, ["tool_call_id": "c"], "content"),
            (.conversationToolRefused, ["tool_call_id": "c", "tool": "t", "reason": "bored", "message": "m", "argument_bytes": 1], "reason"),
            (.toolChildProcessesTerminated, ["call_ids": [], "workers_killed": 0, "reason": "tired"], "reason"),
        ]
        for (kind, json, member) in cases {
            do {
                _ = try EventPayload(kind: kind, json: json)
                Issue.record("\(kind.rawValue) \(json) was read")
            } catch {
                #expect(error.kind == kind && error.field == member, "\(error)")
            }
        }
    }
}
