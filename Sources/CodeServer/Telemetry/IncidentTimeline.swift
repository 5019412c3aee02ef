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

/// The answer of `SQLiteJournal.incidentTimeline`, the one timeline query (a store that is not
/// SQLite answers the same through `Store.incidentTimeline`).
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
