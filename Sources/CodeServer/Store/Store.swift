import Sandbox

/// What the coordinator needs from durable storage, whatever holds it: the engine's registry and
/// conversation journal, the telemetry hub's event store, the acknowledgement barrier the daemon
/// awaits before it answers, and the projections the runbook reads (timelines, alerts, what a
/// restart rebuilds). `SQLiteJournal` is the embedded default; SQL dialect and connection
/// handling stay inside it, so a store shared by several coordinators (PostgreSQL, with leases
/// for project ownership) is another conformance, not a change to the engine or the routes.
public protocol Store: TelemetryEventStore, ConversationJournalStore, ProjectRegistryStore {
    // `mark()` and `durable(since:)`, the acknowledgement barrier, come from
    // `ConversationJournalStore`: a conversation's agent awaits it too.

    /// The store's failure for health (the latest write's error, until a write succeeds again).
    var currentFailure: (reason: String, atMs: Int64)? { get }

    /// A conversation's timeline (all of it or one correlation id's part), or one correlation
    /// id's across the project when `conversation` is nil.
    func incidentTimeline(
        project: String, conversation: String?, correlationId: String?, limit: Int
    ) throws(TelemetryStoreError) -> IncidentTimeline

    /// A project's policy decisions or alerts, newest first.
    func recentAuditRecords(project: String, kind: AuditKind, limit: Int) throws(TelemetryStoreError) -> [TelemetryEvent]

    /// Every project's event totals and the newest events since `sinceMs` (oldest first), for
    /// `TelemetryHub.restore` after a restart.
    func telemetryRestorePoint(
        sinceMs: Int64, limit: Int
    ) throws(TelemetryStoreError) -> (counts: [String: [String: UInt64]], recent: [TelemetryEvent])

    /// What the store holds in the coordinator's memory against its bounds (caches, buffers), as
    /// `GET /v1/memory` shows it.
    var memoryJSON: JSONValue { get }
}

extension SQLiteJournal: Store {
    public var memoryJSON: JSONValue { memory.json }
}
