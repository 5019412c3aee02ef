import Sandbox

/// The model's context (`llm_context`) as facts of the conversation's journal, and back: how a
/// restart rebuilds the context from the entries the agent journaled for each message it added
/// (typed payloads: `UserMessage`, `AssistantToolCalls`, `ToolOutput`, `AssistantMessage`, a
/// final `LLMFailed`), so the next turn sees the history.
///
/// A turn's messages carry its correlation id (the user message's): the user message
/// (`user_message`, `text`), the model's replies that asked for tools (`assistant_tool_calls`),
/// what each call returned to the model (`tool_output`), and the turn's end: the answer
/// (`assistant_message`, `text`) or the runtime's note of why there is none (`llm_failed`).
enum ChatContextJournal {
    /// What the next turn's model is told when a turn ended without an answer; nil when a cancel
    /// ended it (the user knows, and the queue waits for `resume`).
    static func endNote(reason: LLMFailureReason, detail: String?) -> ChatMessage? {
        switch reason {
        case .cancelled: nil
        case .maxTurnStepsExceeded:
            ChatMessage(role: .assistant, content: "[the runtime ended this turn: \(detail ?? reason.rawValue)]")
        default:
            ChatMessage(role: .assistant, content: "[the runtime ended this turn: model request failed (\(reason.rawValue))]")
        }
    }

    /// The context the journal's entries describe, in the order the model saw it (turn by turn,
    /// in the order the user messages arrived, even when one arrived while another's turn ran),
    /// and the number of turns that ended.
    static func rebuild(from entries: [ConversationEntry]) -> (context: [ChatMessage], turns: Int) {
        var turnOrder: [String] = []
        var turns: [String: [ChatMessage]] = [:]
        var ended = 0
        for entry in entries {
            guard let correlationId = entry.correlationId else { continue }
            let message: ChatMessage?
            switch entry.payload {
            case .conversationUserMessage(let user):
                if turns[correlationId] == nil { turnOrder.append(correlationId) }
                turns[correlationId, default: []].insert(ChatMessage(role: .user, content: user.text), at: 0)
                continue
            case .conversationAssistantToolCalls(let reply):
                message = ChatMessage(role: .assistant, content: reply.content, toolCalls: reply.toolCalls)
            case .conversationToolOutput(let output):
                message = ChatMessage(role: .tool, content: output.content, toolCallId: output.toolCallId)
            case .conversationAssistantMessage(let answer):
                ended += 1
                message = ChatMessage(role: .assistant, content: answer.text)
            case .llmFailed(let failed) where failed.isFinal:
                ended += 1
                message = endNote(reason: failed.reason, detail: failed.detail)
            default:
                continue
            }
            guard let message else { continue }
            if turns[correlationId] == nil { turnOrder.append(correlationId) }
            turns[correlationId, default: []].append(message)
        }
        return (turnOrder.flatMap { turns[$0] ?? [] }, ended)
    }
}
