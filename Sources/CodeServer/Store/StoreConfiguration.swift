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

    /// SQLite's page cache of the writer's connection, in bytes (`PRAGMA cache_size`): the pages
    /// appends touch again and again (the B-trees' interior pages and the right edges of the
    /// time-ordered indexes). A page past it is read again from the kernel's page cache, not
    /// from disk and not from the coordinator's memory. The cache only grows until it is full and
    /// is never given back while the connection is open, so this is the journal's share of the
    /// coordinator's memory budget (`docs/architecture.md`, "Memory"). 64 MiB (per connection,
    /// before issue 12) was most of a 10-minute soak's growth and bought nothing measurable: a
    /// million streamed appends ran at 72,196 events/s with it and 73,993 with 8 MiB, one
    /// after the other (`scripts/bench journal --writer-cache-mib N`).
    public var writerCacheBytes: Int
    /// The read connection's page cache (timeline, projections, restore): each read touches a few
    /// index and table pages, which the kernel's page cache serves as well.
    public var readerCacheBytes: Int

    public init(
        path: String, retentionMaxAgeMs: Int64? = 30 * 24 * 3_600_000, retentionMaxRows: Int? = 5_000_000,
        retentionCheckEvery: Int = 1000, writerCacheBytes: Int = 8 << 20, readerCacheBytes: Int = 2 << 20
    ) {
        precondition(retentionMaxAgeMs.map { $0 > 0 } ?? true, "retention age must be positive")
        precondition(retentionMaxRows.map { $0 > 0 } ?? true, "retention size must be positive")
        precondition(retentionCheckEvery > 0, "retention must run at some point")
        precondition(writerCacheBytes >= 64 << 10 && readerCacheBytes >= 64 << 10, "a page cache holds at least 64 KiB")
        self.path = path
        self.retentionMaxAgeMs = retentionMaxAgeMs
        self.retentionMaxRows = retentionMaxRows
        self.retentionCheckEvery = retentionCheckEvery
        self.writerCacheBytes = writerCacheBytes
        self.readerCacheBytes = readerCacheBytes
    }

    /// The journal file inside a data directory.
    public static func inDataDirectory(_ directory: String) -> StoreConfiguration {
        StoreConfiguration(path: directory + "/journal.sqlite3")
    }
}
