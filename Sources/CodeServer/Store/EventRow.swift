import Sandbox

/// One row of the journal's one `events` table: an event, which is also a conversation's journal
/// entry when `entrySequence` is set (the conversation's own numbering). Every fact the runtime
/// records becomes exactly one of these, queued on the `JournalWriter` and inserted there.
///
/// The payload's JSON is written here (`init`, on the emitter's thread, so the one writer thread
/// only binds and steps) and read back here (`read`): the store's only encode and decode.
struct EventRow: Sendable, Equatable {
    var id: Int64 = 0
    var project: String
    var conversation: String?
    var correlation: String?
    /// The event's `EventKind` raw value (`tool.failed`), entry or not.
    var kind: String
    var entrySequence: Int?
    var atMs: Int64
    /// The payload's JSON text.
    var payload: String

    static let insertSQL = """
        INSERT INTO events (project_id, conversation_id, correlation_id, kind, entry_sequence, at_ms, payload)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """

    /// The columns every read selects, in the order `read` takes them.
    static let columns = "id, project_id, conversation_id, correlation_id, kind, entry_sequence, at_ms, payload"

    init(
        project: String, conversation: String?, correlation: String?, kind: String, entrySequence: Int?, atMs: Int64,
        payload: JSONValue
    ) {
        self.init(
            id: 0, project: project, conversation: conversation, correlation: correlation, kind: kind,
            entrySequence: entrySequence, atMs: atMs, text: JSONWriter.text(payload))
    }

    init(_ event: TelemetryEvent) {
        self.init(
            project: event.projectId, conversation: event.conversationId, correlation: event.correlationId,
            kind: event.name.rawValue, entrySequence: event.entrySequence, atMs: event.atMs, payload: event.payload.json)
    }

    private init(id: Int64, project: String, conversation: String?, correlation: String?, kind: String, entrySequence: Int?, atMs: Int64, text: String) {
        self.id = id
        self.project = project
        self.conversation = conversation
        self.correlation = correlation
        self.kind = kind
        self.entrySequence = entrySequence
        self.atMs = atMs
        payload = text
    }

    var isJournalEntry: Bool { entrySequence != nil }

    /// Binds and runs `insert` (a statement of `insertSQL`, prepared once per batch).
    func insert(with insert: SQLiteStatement) throws(StoreError) {
        insert.reset()
        insert.bind(1, project)
        insert.bind(2, conversation)
        insert.bind(3, correlation)
        insert.bind(4, kind)
        if let entrySequence { insert.bind(5, Int64(entrySequence)) }
        insert.bind(6, atMs)
        insert.bind(7, payload)
        try insert.run()
    }

    /// The row under `select`'s cursor, selected as `columns` starting at column `first`.
    static func read(_ select: SQLiteStatement, from first: Int32 = 0) -> EventRow {
        EventRow(
            id: select.int64(first), project: select.text(first + 1) ?? "", conversation: select.text(first + 2),
            correlation: select.text(first + 3), kind: select.text(first + 4) ?? "",
            entrySequence: select.isNull(first + 5) ? nil : Int(select.int64(first + 5)), atMs: select.int64(first + 6),
            text: select.text(first + 7) ?? "null")
    }

    /// The payload parsed; a row the journal wrote always parses, so failure means corruption.
    func payloadValue() throws(StoreError) -> JSONValue {
        do {
            return try JSONParser.parse(payload)
        } catch {
            throw StoreError(.corruptRow, "unparsable JSON in journal row \(id): \(error)")
        }
    }

    /// Read back as a telemetry event, its `id` the row id: unique across restarts (the hub's own
    /// numbering starts again at 1 in every process), so timelines break time ties correctly.
    func telemetryEvent() throws(StoreError) -> TelemetryEvent {
        guard let name = EventKind(rawValue: kind) else {
            throw StoreError(.corruptRow, "unknown event kind '\(kind.prefix(80))' in journal row \(id)")
        }
        let json = try payloadValue()
        let payload: EventPayload
        do throws(EventPayloadError) {
            payload = try EventPayload(kind: name, json: json)
        } catch {
            throw StoreError(.corruptRow, "\(error) in journal row \(id)")
        }
        return TelemetryEvent(
            projectId: project, conversationId: conversation, correlationId: correlation, atMs: atMs, payload: payload,
            id: UInt64(max(id, 0)), entrySequence: entrySequence)
    }

    /// Read back as a conversation journal entry: the same event, with its number.
    func conversationEntry() throws(StoreError) -> ConversationEntry {
        guard let entry = ConversationEntry(try telemetryEvent()) else {
            throw StoreError(.corruptRow, "journal row \(id) of kind '\(kind.prefix(80))' is no conversation entry")
        }
        return entry
    }

    /// A line of an incident timeline; `sequence` is the row id.
    func timelineEntry() throws(StoreError) -> TimelineEntry {
        TimelineEntry(
            source: isJournalEntry ? .journal : .telemetry, atMs: atMs, event: kind, correlationId: correlation,
            payload: try payloadValue(), sequence: UInt64(max(id, 0)))
    }
}
