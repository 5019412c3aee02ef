import CodeServer
import Sandbox

/// A conversation seen as an A2A task. Task id and context id are both the conversation's id: a
/// conversation is one multi-turn exchange with one agent, which is what A2A calls a task in a
/// context. The task's state is the state of its newest turn (the newest user message and what
/// its correlation id led to), read from the conversation's journal and its agent:
///
/// | turn                                         | state                    |
/// |----------------------------------------------|--------------------------|
/// | no message yet                               | `TASK_STATE_INPUT_REQUIRED` |
/// | queued behind another turn                   | `TASK_STATE_SUBMITTED`   |
/// | running (model asked, tools running)         | `TASK_STATE_WORKING`     |
/// | answered (`assistant_message`)               | `TASK_STATE_COMPLETED`   |
/// | ended by `llm_failed` (final)                | `TASK_STATE_FAILED`      |
/// | cancelled (`turn_cancelled`, held, stopped)  | `TASK_STATE_CANCELED`    |
///
/// A later message to a completed, failed or cancelled task starts its next turn: the
/// conversation goes on, so the task is working again.
struct A2ATask: Sendable {
    enum State: String, Sendable {
        case submitted = "TASK_STATE_SUBMITTED"
        case working = "TASK_STATE_WORKING"
        case completed = "TASK_STATE_COMPLETED"
        case failed = "TASK_STATE_FAILED"
        case canceled = "TASK_STATE_CANCELED"
        case inputRequired = "TASK_STATE_INPUT_REQUIRED"

        /// Nothing more happens in this turn without a new message.
        var endsTurn: Bool { self != .submitted && self != .working }
    }

    /// History a task carries when the request names no `historyLength`.
    static let defaultHistoryLength = 100

    var id: String
    var state: State
    /// The correlation id of the newest turn.
    var turn: String?
    var answer: String?
    /// Why the turn failed or was cancelled, for people.
    var reason: String?
    var atMs: Int64
    var history: [JSONValue]

    static func read(_ conversation: Conversation, historyLength: Int?) async -> A2ATask {
        let entries = await conversation.timeline()
        let context = await conversation.llmContext()
        let active = await conversation.isActive
        let limit = historyLength ?? defaultHistoryLength
        var history = entries.compactMap { message(of: $0, conversation: conversation.id) }
        history = Array(history.suffix(limit))
        guard let start = entries.last(where: { $0.kind == .userMessage }), let turn = start.correlationId else {
            return A2ATask(
                id: conversation.id, state: active ? .inputRequired : .canceled, turn: nil, answer: nil,
                reason: active ? nil : "the conversation was stopped", atMs: entries.last?.atMs ?? 0, history: history)
        }
        var task = A2ATask(
            id: conversation.id, state: .submitted, turn: turn, answer: nil, reason: nil, atMs: start.atMs, history: history)
        for entry in entries.reversed() {
            if entry.sequence <= start.sequence { break }
            switch entry.payload {
            case .conversationAssistantMessage(let answer) where entry.correlationId == turn:
                task.state = .completed
                task.answer = answer.text
            case .llmFailed(let failure) where entry.correlationId == turn && failure.reason == .cancelled:
                // Written as the cancel tears the model request down, just before `turn_cancelled`.
                task.state = .canceled
                task.reason = "the turn was cancelled"
            case .llmFailed(let failure) where entry.correlationId == turn && failure.isFinal:
                task.state = .failed
                let detail = failure.detail.isEmpty ? "" : ": \(failure.detail)"
                task.reason = "the model request failed (\(failure.reason.rawValue))\(detail)"
            case .conversationCancelled(let cancelled)
            where entry.correlationId == turn || (cancelled.turnCorrelationId ?? entry.correlationId) == turn:
                task.state = .canceled
                task.reason = "the turn was cancelled"
            default:
                continue
            }
            task.atMs = entry.atMs
            return task
        }
        if !active {
            task.state = .canceled
            task.reason = "the conversation was stopped"
        } else if context?["running_correlation_id"]?.stringValue == turn {
            task.state = .working
        } else if context?["cancelled"]?.boolValue == true {
            // Queued when the conversation was cancelled: it waits for a resume that A2A has no
            // verb for; a new message resumes (see `A2AServer`).
            task.state = .canceled
            task.reason = "the conversation was cancelled before this turn ran"
        }
        return task
    }

    /// A journal entry as an A2A message, for a task's history: user messages and answers.
    private static func message(of entry: ConversationEntry, conversation: String) -> JSONValue? {
        let role: String
        let text: String
        switch entry.payload {
        case .conversationUserMessage(let message): (role, text) = ("ROLE_USER", message.text)
        case .conversationAssistantMessage(let answer): (role, text) = ("ROLE_AGENT", answer.text)
        default: return nil
        }
        return A2AWire.message(id: "\(conversation)-\(entry.sequence)", role: role, text: text, task: conversation)
    }

    var status: JSONValue {
        var status: [String: JSONValue] = ["state": .string(state.rawValue), "timestamp": .string(Timestamp.rfc3339(ms: atMs))]
        if let turn {
            switch state {
            case .completed:
                status["message"] = A2AWire.message(id: "\(turn)-answer", role: "ROLE_AGENT", text: answer ?? "", task: id)
            case .failed, .canceled:
                status["message"] = A2AWire.message(id: "\(turn)-\(state == .failed ? "failed" : "canceled")", role: "ROLE_AGENT", text: reason ?? "", task: id)
            default:
                break
            }
        }
        return .object(status)
    }

    /// The answer of the newest turn, once it has one.
    var artifact: JSONValue? {
        guard state == .completed, let turn else { return nil }
        return A2AWire.answerArtifact(turn: turn, text: answer ?? "")
    }

    /// The `Task` message of A2A 1.0's JSON mapping.
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "contextId": .string(id), "status": status, "history": .array(history),
        ]
        if let artifact { object["artifacts"] = [artifact] }
        if let turn { object["metadata"] = ["correlation_id": .string(turn)] }
        return .object(object)
    }
}

/// The few A2A 1.0 wire objects built in more than one place.
enum A2AWire {
    static func message(id: String, role: String, text: String, task: String) -> JSONValue {
        [
            "messageId": .string(id), "contextId": .string(task), "taskId": .string(task), "role": .string(role),
            "parts": [["text": .string(text), "mediaType": "text/plain"]],
        ]
    }

    static func answerArtifact(turn: String, text: String) -> JSONValue {
        [
            "artifactId": .string("answer-\(turn)"), "name": "answer",
            "description": "the agent's answer to the turn's message", "parts": [["text": .string(text), "mediaType": "text/plain"]],
        ]
    }
}
