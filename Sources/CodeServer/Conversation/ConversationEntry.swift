import Sandbox

/// One entry of a conversation's journal, the source of its timeline.
public struct ConversationEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case started
        case userMessage = "user_message"
        case toolRequested = "tool_requested"
        case toolResult = "tool_result"
        case callsCancelled = "calls_cancelled"
        case queueOverflow = "queue_overflow"
        /// The model's final answer of a turn (`ConversationAgent`).
        case assistantMessage = "assistant_message"
        /// A turn ended without an answer (`reason`: an `LLMFailureReason`).
        case llmFailed = "llm_failed"
        /// A call the model proposed that never reached the gate (arguments not JSON or too large).
        case toolRefused = "tool_refused"
        /// The model's reply that asked for tools (`content`, `tool_calls` as the model wrote them):
        /// with `toolOutput`, what rebuilds the model's context after a restart.
        case assistantToolCalls = "assistant_tool_calls"
        /// What the model was told a tool call of its own returned (`tool_call_id`, `content`).
        case toolOutput = "tool_output"
        case turnCancelled = "turn_cancelled"
        case resumed
        case stopped

        /// The entry's name in an incident timeline (`conversation.tool_result`): the journal's
        /// own vocabulary beside `EventKind`'s, kept apart because these are the conversation's
        /// records, not emitted events.
        /// A user message has the name of its event (`EventKind.conversationUserMessage`).
        public var timelineEvent: String {
            self == .userMessage ? EventKind.conversationUserMessage.rawValue : "conversation." + rawValue
        }

        /// The kind whose `timelineEvent` is `name` (how the journal stores it).
        public init?(timelineEvent name: String) {
            guard let kind = Self.byTimelineEvent[name] else { return nil }
            self = kind
        }

        private static let byTimelineEvent = Dictionary(uniqueKeysWithValues: allCases.map { ($0.timelineEvent, $0) })
    }

    /// 1, 2, 3… in the order entries were recorded; gaps never happen, so a client can page.
    public var sequence: Int
    public var kind: Kind
    public var correlationId: String?
    public var atMs: Int64
    public var payload: JSONValue

    public init(sequence: Int, kind: Kind, correlationId: String?, atMs: Int64, payload: JSONValue) {
        self.sequence = sequence
        self.kind = kind
        self.correlationId = correlationId
        self.atMs = atMs
        self.payload = payload
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "sequence": .int(Int64(sequence)), "kind": .string(kind.rawValue),
            "at": .string(Timestamp.rfc3339(ms: atMs)), "payload": payload,
        ]
        if let correlationId { object["correlation_id"] = .string(correlationId) }
        return .object(object)
    }
}

/// A tool call accepted and not finished yet: the pending-calls projection.
public struct PendingToolCall: Sendable, Equatable {
    public var callId: String
    public var tool: String
    public var correlationId: String
    public var runMode: RunMode
    public var acceptedAtMs: Int64

    public init(callId: String, tool: String, correlationId: String, runMode: RunMode, acceptedAtMs: Int64) {
        self.callId = callId
        self.tool = tool
        self.correlationId = correlationId
        self.runMode = runMode
        self.acceptedAtMs = acceptedAtMs
    }

    public var json: JSONValue {
        [
            "call_id": .string(callId), "tool": .string(tool), "correlation_id": .string(correlationId),
            "run_mode": .string(runMode.rawValue), "accepted_at": .string(Timestamp.rfc3339(ms: acceptedAtMs)),
        ]
    }
}

/// The in-memory journal of one conversation, bounded: past `capacity` the oldest entries are
/// dropped and counted. The durable journal (`ConversationJournalStore`) keeps everything.
struct ConversationJournal: Sendable {
    let capacity: Int
    private(set) var entries: [ConversationEntry] = []
    private(set) var dropped = 0
    /// Continued from stored entries: older ones may exist only in the store.
    private(set) var restored = false
    private var nextSequence = 1

    init(capacity: Int) {
        precondition(capacity > 0, "a journal keeps at least one entry")
        self.capacity = capacity
    }

    /// A journal continuing from entries read back from the store (a restart): their sequence
    /// numbers are kept, and new entries number on from the last.
    init(capacity: Int, restoring restored: [ConversationEntry]) {
        self.init(capacity: capacity)
        entries = Array(restored.suffix(capacity))
        self.restored = !restored.isEmpty
        nextSequence = (restored.last?.sequence ?? 0) + 1
    }

    @discardableResult
    mutating func append(
        _ kind: ConversationEntry.Kind, correlationId: String?, atMs: Int64, payload: JSONValue
    ) -> ConversationEntry {
        let entry = ConversationEntry(
            sequence: nextSequence, kind: kind, correlationId: correlationId, atMs: atMs, payload: payload)
        nextSequence += 1
        if entries.count == capacity {
            entries.removeFirst()
            dropped += 1
        }
        entries.append(entry)
        return entry
    }
}
