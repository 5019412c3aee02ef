import Sandbox

/// What a client sends into a conversation.
public enum ConversationInput: Sendable, Equatable {
    case userMessage(text: String)
    case toolRequest(tool: String, arguments: JSONValue, runMode: RunMode)
}

/// `run_mode`: whether `send` waits for the tool (`sync`) or returns once the call is accepted
/// (`async`), its result then read with `result(of:)` or in the timeline.
public enum RunMode: String, Sendable, Equatable, CaseIterable {
    case sync
    case async
}

/// What `send` answers.
public enum SendOutcome: Sendable, Equatable {
    /// A user message, recorded in the journal.
    case recorded(ConversationEntry)
    /// A sync tool call, finished (whatever its status).
    case completed(ToolResult)
    /// An async tool call, accepted and running.
    case accepted(PendingToolCall)
}

/// Why a conversation refused an input.
public enum ConversationError: Error, Sendable, Equatable, CustomStringConvertible {
    case stopped(conversationId: String)
    /// `conversation_max_queue_size` inputs are already waiting; `conversation.queue.overflow` was emitted.
    case queueFull(conversationId: String, limit: Int)

    public var code: String {
        switch self {
        case .stopped: "conversation_stopped"
        case .queueFull: "conversation_queue_full"
        }
    }

    public var description: String {
        switch self {
        case .stopped(let id): "\(code): conversation '\(id)' is stopped"
        case .queueFull(let id, let limit): "\(code): conversation '\(id)' already has \(limit) inputs waiting"
        }
    }
}
