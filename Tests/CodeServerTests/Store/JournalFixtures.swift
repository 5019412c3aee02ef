import Sandbox
import TestSupport

@testable import CodeServer

/// A journal in a fresh temp directory, reopenable on the same file to check what survives.
struct JournalFixture {
    let directory = TempDirectory(prefix: "jcs-store")

    func configuration(maxAgeMs: Int64? = nil, maxRows: Int? = nil, checkEvery: Int = 1000) -> StoreConfiguration {
        StoreConfiguration(
            path: directory.file("journal.sqlite3"), retentionMaxAgeMs: maxAgeMs, retentionMaxRows: maxRows,
            retentionCheckEvery: checkEvery)
    }

    func open(maxAgeMs: Int64? = nil, maxRows: Int? = nil, checkEvery: Int = 1000, clock: any RuntimeClock = ManualClock())
        throws -> SQLiteJournal
    {
        try SQLiteJournal(configuration: configuration(maxAgeMs: maxAgeMs, maxRows: maxRows, checkEvery: checkEvery), clock: clock)
    }
}

func telemetryEvent(
    _ name: EventKind, at: Int64, conversation: String? = "c1", correlation: String? = nil, project: String = "p1",
    payload: [String: JSONValue] = [:]
) -> TelemetryEvent {
    EventSamples.event(name, project: project, conversation: conversation, correlation: correlation, at: at, with: payload)
}

/// An entry of `kind` (its first event kind) with its sample payload (`EventSamples`), `payload`
/// merged over its wire form.
func journalEntry(
    _ sequence: Int, _ kind: ConversationEntry.Kind, at: Int64, correlation: String? = nil, payload: [String: JSONValue] = [:]
) -> ConversationEntry {
    let event = EventSamples.event(kind.events[0], correlation: correlation, at: at, with: payload)
    return ConversationEntry(sequence: sequence, correlationId: correlation, atMs: at, payload: event.payload)!
}

extension SQLiteJournal {
    /// Every row `sql` selects, each column as text (`NULL` for null): what the migration tests
    /// compare.
    func textRows(_ sql: String) throws -> [[String]] {
        try read { connection throws(StoreError) in
            let select = try connection.statement(sql)
            var rows: [[String]] = []
            while try select.step() { rows.append((0..<select.columnCount).map { select.text($0) ?? "NULL" }) }
            return rows
        }
    }

    /// Stores a conversation's entry the way a conversation does: its event, through a hub over
    /// this journal (redacted there, one row).
    func append(project: String, conversation: String, entry: ConversationEntry) throws(TelemetryStoreError) {
        try TelemetryHub(store: self).emitEntry(entry.event(project: project, conversation: conversation))
    }
}

extension TimelineEntry {
    /// The entry without `sequence`, each source's own numbering: what two timeline sources over
    /// the same rows must agree on.
    var comparable: TimelineEntry {
        var copy = self
        copy.sequence = 0
        return copy
    }
}
