import Sandbox

/// One line of an incident timeline, from the conversation journal or from telemetry.
public struct TimelineEntry: Sendable, Equatable {
    public enum Source: String, Sendable {
        case journal
        case telemetry
    }

    public var source: Source
    public var atMs: Int64
    public var event: String
    public var correlationId: String?
    public var payload: JSONValue
    /// The entry's position in its own source (journal sequence, telemetry id): the last tie-break.
    public var sequence: UInt64

    public init(source: Source, atMs: Int64, event: String, correlationId: String?, payload: JSONValue, sequence: UInt64) {
        self.source = source
        self.atMs = atMs
        self.event = event
        self.correlationId = correlationId
        self.payload = payload
        self.sequence = sequence
    }

    public var json: JSONValue {
        .object([
            "source": .string(source.rawValue), "at": .string(Timestamp.rfc3339(ms: atMs)), "event": .string(event),
            "correlation_id": correlationId.map(JSONValue.string) ?? .null, "payload": payload,
        ])
    }
}

/// A conversation's own journal, as the conversation layer (or the durable store, after a restart
/// or once the conversation stopped) can read it back.
public protocol ConversationJournalSource: Sendable {
    /// Entries in journal order, with `source == .journal`.
    func journalEntries(project: String, conversation: String) throws(TelemetryStoreError) -> [TimelineEntry]
}

/// The answer of `incidentTimeline`.
public struct IncidentTimeline: Sendable, Equatable {
    public static let defaultLimit = 100
    public static let maximumLimit = 500

    public var projectId: String
    /// Nil for the timeline of one correlation id across the project (no conversation named).
    public var conversationId: String?
    public var correlationId: String?
    /// The limit applied, after clamping to 1…500.
    public var limit: Int
    /// The limit asked for, when clamping changed it.
    public var requestedLimit: Int?
    /// Matching entries before the limit was applied.
    public var totalEntries: Int
    /// The most recent `limit` matching entries, oldest first.
    public var entries: [TimelineEntry]

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "project_id": .string(projectId), "conversation_id": conversationId.map(JSONValue.string) ?? .null,
            "correlation_id": correlationId.map(JSONValue.string) ?? .null, "limit": .int(Int64(limit)),
            "total_entries": .int(Int64(totalEntries)), "entries": .array(entries.map(\.json)),
        ]
        if let requestedLimit { object["requested_limit"] = .int(Int64(requestedLimit)) }
        return .object(object)
    }
}

/// Builds incident timelines from a journal and a telemetry store. Both are protocols: the in-memory
/// sources or the durable journal (`SQLiteJournal` conforms to both); over a large journal,
/// `SQLiteJournal.incidentTimeline` gives the same answer with the filter and the limit in SQL.
public struct IncidentTimelineQuery: Sendable {
    public let journal: any ConversationJournalSource
    public let telemetry: any TelemetryEventStore
    /// Applied to journal payloads too: a timeline is shown, and shown things are redacted.
    public let redactor: Redactor

    public init(journal: any ConversationJournalSource, telemetry: any TelemetryEventStore, redactor: Redactor = Redactor()) {
        self.journal = journal
        self.telemetry = telemetry
        self.redactor = redactor
    }

    /// The conversation's journal merged with its telemetry events, ordered by time; at equal
    /// times journal entries come first (the journal records the call, telemetry what followed),
    /// then each source's own order. Filtered by `correlationId` when given; the most recent
    /// `limit` entries (clamped to 1…500) are returned with the total that matched.
    public func incidentTimeline(
        project: String, conversation: String, correlationId: String? = nil, limit: Int = IncidentTimeline.defaultLimit
    ) throws(TelemetryStoreError) -> IncidentTimeline {
        let applied = min(max(limit, 1), IncidentTimeline.maximumLimit)
        let journalEntries = try journal.journalEntries(project: project, conversation: conversation).map { entry in
            var copy = entry
            copy.payload = redactor.redact(entry.payload)
            return copy
        }
        let telemetryEntries = try telemetry.events(project: project, conversation: conversation).map { event in
            TimelineEntry(
                source: .telemetry, atMs: event.atMs, event: event.name.rawValue, correlationId: event.correlationId,
                payload: event.payload.json, sequence: event.id)
        }
        var merged = (journalEntries + telemetryEntries).filter { correlationId == nil || $0.correlationId == correlationId }
        merged.sort { a, b in
            if a.atMs != b.atMs { return a.atMs < b.atMs }
            if a.source != b.source { return a.source == .journal }
            return a.sequence < b.sequence
        }
        return IncidentTimeline(
            projectId: project, conversationId: conversation, correlationId: correlationId, limit: applied,
            requestedLimit: applied == limit ? nil : limit, totalEntries: merged.count,
            entries: Array(merged.suffix(applied)))
    }
}
