import Sandbox

/// The members of journal entries that readers outside the conversation (the A2A task view) need,
/// read here so that only the conversation knows how its entries are written.
extension ConversationEntry {
    /// The text of a user message or of an answer.
    public var text: String? { payload["text"]?.stringValue }

    /// For an `llm_failed` entry: the reason word, the detail for people, and whether it ended the
    /// turn (a retried request writes `final: false`).
    public var modelFailure: (reason: String, detail: String?, isFinal: Bool)? {
        guard kind == .llmFailed else { return nil }
        return (
            payload["reason"]?.stringValue ?? "failed", payload["detail"]?.stringValue,
            payload["final"]?.boolValue != false
        )
    }

    /// For a `turn_cancelled` entry: the turn it cancelled (written by the cancel, whose own
    /// correlation id may differ).
    public var cancelledTurn: String? {
        guard kind == .turnCancelled else { return nil }
        return payload["turn_correlation_id"]?.stringValue ?? correlationId
    }
}
