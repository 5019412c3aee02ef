import Sandbox

/// One entry of a conversation's journal: an event of the conversation (`payload`, whose case is
/// its `EventKind`) with the conversation's own number. It is the same fact the hub counts and
/// followers see: the conversation emits it once, as a `RuntimeEvent` with `entrySequence` set,
/// and the journal stores it as one row.
public struct ConversationEntry: Sendable, Equatable {
    /// The entry's word in the API's conversation state (`tool_requested`), one per fact a
    /// conversation journals; the payload's kind is the event the entry is, the name timelines
    /// and followers show.
    public enum Kind: String, Sendable, CaseIterable {
        case started
        case userMessage = "user_message"
        case toolRequested = "tool_requested"
        /// A call's end: its ending event (`tool.completed`, `tool.failed`, `tool.timeout`,
        /// `tool.cancelled`), the one row that says how it ended.
        case toolResult = "tool_result"
        case callsCancelled = "calls_cancelled"
        case queueOverflow = "queue_overflow"
        case assistantMessage = "assistant_message"
        /// Only a turn's final failure is an entry; a retried request is an event only.
        case llmFailed = "llm_failed"
        case toolRefused = "tool_refused"
        case assistantToolCalls = "assistant_tool_calls"
        case toolOutput = "tool_output"
        case turnCancelled = "turn_cancelled"
        case resumed
        case stopped

        /// The event kinds an entry of this kind can be.
        public var events: [EventKind] {
            switch self {
            case .started: [.conversationStarted]
            case .userMessage: [.conversationUserMessage]
            case .toolRequested: [.conversationToolRequested]
            case .toolResult: [.toolCompleted, .toolFailed, .toolTimeout, .toolCancelled]
            case .callsCancelled: [.toolChildProcessesTerminated]
            case .queueOverflow: [.conversationQueueOverflow]
            case .assistantMessage: [.conversationAssistantMessage]
            case .llmFailed: [.llmFailed]
            case .toolRefused: [.conversationToolRefused]
            case .assistantToolCalls: [.conversationAssistantToolCalls]
            case .toolOutput: [.conversationToolOutput]
            case .turnCancelled: [.conversationCancelled]
            case .resumed: [.conversationResumed]
            case .stopped: [.conversationStopped]
            }
        }

        /// The entry kind of an event kind; nil for kinds a conversation never journals.
        public init?(event: EventKind) {
            guard let kind = Self.byEvent[event] else { return nil }
            self = kind
        }

        private static let byEvent = Dictionary(
            uniqueKeysWithValues: allCases.flatMap { kind in kind.events.map { ($0, kind) } })
    }

    /// 1, 2, 3… in the order entries were recorded; gaps never happen, so a client can page.
    public var sequence: Int
    public var correlationId: String?
    public var atMs: Int64
    /// Its case is `kind`'s event, always (set together, in `init`).
    public private(set) var payload: EventPayload
    public let kind: Kind

    /// Nil when `payload`'s kind is not one a conversation journals.
    public init?(sequence: Int, correlationId: String?, atMs: Int64, payload: EventPayload) {
        guard let kind = Kind(event: payload.kind) else { return nil }
        self.kind = kind
        self.sequence = sequence
        self.correlationId = correlationId
        self.atMs = atMs
        self.payload = payload
    }

    /// The event read back as an entry; nil for an event that is not one (no `entrySequence`, or
    /// a kind a conversation never journals).
    public init?(_ event: RuntimeEvent) {
        guard let sequence = event.entrySequence else { return nil }
        self.init(sequence: sequence, correlationId: event.correlationId, atMs: event.atMs, payload: event.payload)
    }

    /// The entry as the event the conversation emits for it.
    public func event(project: String, conversation: String) -> RuntimeEvent {
        RuntimeEvent(
            projectId: project, conversationId: conversation, correlationId: correlationId, atMs: atMs, payload: payload,
            entrySequence: sequence)
    }

    /// `{sequence, kind, event, at, payload, correlation_id?}`: the API's conversation state and
    /// the answer to a message. `event` is the payload's kind (`tool.failed` for a call's end).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "sequence": .int(Int64(sequence)), "kind": .string(kind.rawValue), "event": .string(payload.kind.rawValue),
            "at": .string(Timestamp.rfc3339(ms: atMs)), "payload": payload.json,
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

    /// Numbers the payload as the next entry and keeps it; nil (nothing kept) for a kind a
    /// conversation does not journal.
    mutating func append(_ payload: EventPayload, correlationId: String?, atMs: Int64) -> ConversationEntry? {
        guard
            let entry = ConversationEntry(sequence: nextSequence, correlationId: correlationId, atMs: atMs, payload: payload)
        else { return nil }
        nextSequence += 1
        if entries.count == capacity {
            entries.removeFirst()
            dropped += 1
        }
        entries.append(entry)
        return entry
    }
}
