/// How the durable journal is opened and how much history it keeps; composed where the process
/// starts (`jcs-coordinator`, later `jcs serve`), not per project: one journal serves every project.
public struct StoreConfiguration: Sendable {
    /// The database file; its `-wal` and `-shm` companions live beside it.
    public var path: String
    /// Rows older than this are deleted by retention (`nil`: no age limit). Default: 30 days.
    public var retentionMaxAgeMs: Int64?
    /// The events table (telemetry events and conversation entries) keeps at most this many newest rows
    /// (`nil`: no size limit). Default: 5 million, about 2 GB of typical events.
    public var retentionMaxRows: Int?
    /// Retention runs after this many appends (and at open): often enough to stay near the bounds,
    /// rarely enough that its DELETEs are not on every call's path.
    public var retentionCheckEvery: Int

    public init(
        path: String, retentionMaxAgeMs: Int64? = 30 * 24 * 3_600_000, retentionMaxRows: Int? = 5_000_000,
        retentionCheckEvery: Int = 1000
    ) {
        precondition(retentionMaxAgeMs.map { $0 > 0 } ?? true, "retention age must be positive")
        precondition(retentionMaxRows.map { $0 > 0 } ?? true, "retention size must be positive")
        precondition(retentionCheckEvery > 0, "retention must run at some point")
        self.path = path
        self.retentionMaxAgeMs = retentionMaxAgeMs
        self.retentionMaxRows = retentionMaxRows
        self.retentionCheckEvery = retentionCheckEvery
    }

    /// The journal file inside a data directory.
    public static func inDataDirectory(_ directory: String) -> StoreConfiguration {
        StoreConfiguration(path: directory + "/journal.sqlite3")
    }
}
