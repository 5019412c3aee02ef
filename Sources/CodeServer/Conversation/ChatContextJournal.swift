import Sandbox

/// The model's context (`llm_context`) as facts of the conversation's journal, and back: what the
/// agent journals for each message it adds to its context, and how a restart rebuilds the context
/// from those entries so the next turn sees the history.
///
/// A turn's messages carry its correlation id (the user message's): the user message
/// (`user_message`, `text`), the model's replies that asked for tools (`assistant_tool_calls`),
/// what each call returned to the model (`tool_output`), and the turn's end: the answer
/// (`assistant_message`, `text`) or the runtime's note of why there is none (`llm_failed`).
enum ChatContextJournal {
    /// The payload of an `assistant_tool_calls` or `tool_output` entry.
    static func payload(of message: ChatMessage) -> JSONValue {
        var object: [String: JSONValue] = ["content": message.content.map(JSONValue.string) ?? .null]
        if !message.toolCalls.isEmpty { object["tool_calls"] = .array(message.toolCalls.map(\.wire)) }
        if let toolCallId = message.toolCallId { object["tool_call_id"] = .string(toolCallId) }
        return .object(object)
    }

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
            let payload = entry.payload
            let message: ChatMessage?
            switch entry.kind {
            case .userMessage:
                guard let text = payload["text"]?.stringValue else { continue }
                if turns[correlationId] == nil { turnOrder.append(correlationId) }
                turns[correlationId, default: []].insert(ChatMessage(role: .user, content: text), at: 0)
                continue
            case .assistantToolCalls:
                let calls = (payload["tool_calls"]?.arrayValue ?? []).compactMap { call -> ChatToolCall? in
                    guard let id = call["id"]?.stringValue, let function = call["function"],
                        let name = function["name"]?.stringValue
                    else { return nil }
                    return ChatToolCall(id: id, name: name, arguments: function["arguments"]?.stringValue ?? "")
                }
                // A reply without a usable call would be a malformed message on the wire.
                guard !calls.isEmpty else { continue }
                message = ChatMessage(role: .assistant, content: payload["content"]?.stringValue, toolCalls: calls)
            case .toolOutput:
                message = ChatMessage(
                    role: .tool, content: payload["content"]?.stringValue ?? "", toolCallId: payload["tool_call_id"]?.stringValue)
            case .assistantMessage:
                ended += 1
                message = ChatMessage(role: .assistant, content: payload["text"]?.stringValue ?? "")
            case .llmFailed:
                ended += 1
                let reason = payload["reason"]?.stringValue.flatMap(LLMFailureReason.init(rawValue:)) ?? .invalidResponse
                message = endNote(reason: reason, detail: payload["detail"]?.stringValue)
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
