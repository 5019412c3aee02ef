import CSQLite
import Sandbox

/// What the journal holds in the coordinator's memory, against its bounds: the two connections'
/// page caches (bounded by `StoreConfiguration`) and everything SQLite allocated in the process.
/// Served by `GET /v1/memory`; the soak prints it to show which structure grows.
public struct JournalMemory: Sendable, Equatable {
    public var writerCacheBytes: Int
    public var writerCacheBound: Int
    public var readerCacheBytes: Int
    public var readerCacheBound: Int
    /// SQLite's whole heap in this process: both caches, schemas, prepared statements.
    public var sqliteHeapBytes: Int64
    /// The most `sqliteHeapBytes` has been since the process started.
    public var sqliteHeapHighwater: Int64
    /// Writes waiting for the writer thread, and their bytes (`JournalWriter`'s two bounds).
    public var queuedWrites: Int
    public var queuedBytes: Int
    public var queuedBytesBound: Int

    public var json: JSONValue {
        [
            "writer_cache_bytes": .int(Int64(writerCacheBytes)), "writer_cache_bound": .int(Int64(writerCacheBound)),
            "reader_cache_bytes": .int(Int64(readerCacheBytes)), "reader_cache_bound": .int(Int64(readerCacheBound)),
            "sqlite_heap_bytes": .int(sqliteHeapBytes), "sqlite_heap_highwater": .int(sqliteHeapHighwater),
            "queued_writes": .int(Int64(queuedWrites)), "queued_bytes": .int(Int64(queuedBytes)),
            "queued_bytes_bound": .int(Int64(queuedBytesBound)),
        ]
    }
}

extension SQLiteJournal {
    /// The journal's memory now. The writer's cache is as of its latest batch (only its thread
    /// may touch its connection); the reader's is read under the read lock.
    public var memory: JournalMemory {
        let queued = writer.queued
        return JournalMemory(
            writerCacheBytes: writer.cacheUsedBytes, writerCacheBound: configuration.writerCacheBytes,
            readerCacheBytes: state.withLock { $0.connection.cacheUsedBytes },
            readerCacheBound: configuration.readerCacheBytes, sqliteHeapBytes: sqlite3_memory_used(),
            sqliteHeapHighwater: sqlite3_memory_highwater(0), queuedWrites: queued.writes, queuedBytes: queued.bytes,
            queuedBytesBound: writer.maximumQueuedBytes)
    }
}
