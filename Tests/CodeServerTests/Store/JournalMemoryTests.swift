#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import Synchronization
import TestSupport
import Testing

@testable import CodeServer

/// What the journal may hold in the coordinator's memory: its connections' page caches stay
/// within `StoreConfiguration`'s bounds however large the journal grows, and the writer's queue
/// within its count and byte bounds (issue 12: a 64 MiB cache per connection was most of a
/// 10-minute soak's growth).
struct JournalMemoryTests {
    private func fill(_ journal: SQLiteJournal, calls: Int) throws {
        let output = String(repeating: "o", count: 400)
        for i in 0..<calls {
            try journal.append(
                telemetryEvent(
                    .toolCompleted, at: Int64(i), conversation: "c\(i % 8)", correlation: "corr-\((i * 7919) % calls)",
                    payload: ["call_id": .string("call-\(i)-\(output)"), "tool": "shell.run"]))
            if i % 500 == 499 { try journal.flush() }
        }
        try journal.flush()
    }

    private func open(_ directory: TempDirectory, writerCache: Int, readerCache: Int = 64 << 10) throws -> SQLiteJournal {
        try SQLiteJournal(
            configuration: StoreConfiguration(
                path: directory.file("journal.sqlite3"), retentionMaxAgeMs: nil, retentionMaxRows: nil,
                writerCacheBytes: writerCache, readerCacheBytes: readerCache),
            clock: ManualClock())
    }

    @Test func theWriterPageCacheStaysWithinItsBoundAsTheJournalGrows() throws {
        let bound = 256 << 10
        let bounded = try open(TempDirectory(prefix: "jcs-cache"), writerCache: bound)
        try fill(bounded, calls: 6_000)
        let memory = bounded.memory
        #expect(memory.writerCacheBound == bound)
        #expect(memory.writerCacheBytes > 0, "the writer reports its cache")
        // SQLite's cache_size is in pages of 4 KiB plus their headers; a few pages over is its
        // rounding, a journal's worth is not.
        #expect(memory.writerCacheBytes <= bound + (bound >> 2), "writer cache \(memory.writerCacheBytes) over \(bound)")
        #expect(memory.readerCacheBytes <= memory.readerCacheBound + (memory.readerCacheBound >> 2))

        // The same appends with a roomy bound cache far more: the bound above is what held it.
        let roomy = try open(TempDirectory(prefix: "jcs-cache"), writerCache: 64 << 20)
        try fill(roomy, calls: 6_000)
        #expect(roomy.memory.writerCacheBytes > 4 * bound, "roomy writer cache \(roomy.memory.writerCacheBytes)")
    }

    @Test func theMemoryReportNamesEveryFigure() throws {
        let journal = try open(TempDirectory(prefix: "jcs-cache"), writerCache: 1 << 20)
        try fill(journal, calls: 100)
        let json = journal.memoryJSON
        for key in [
            "writer_cache_bytes", "writer_cache_bound", "reader_cache_bytes", "reader_cache_bound", "sqlite_heap_bytes",
            "sqlite_heap_highwater", "queued_writes", "queued_bytes", "queued_bytes_bound",
        ] {
            #expect(json[key]?.intValue != nil, "missing \(key)")
        }
        #expect(json["writer_cache_bound"] == 1_048_576)
        #expect((json["sqlite_heap_bytes"]?.intValue ?? 0) > 0)
        #expect(json["queued_writes"] == 0, "everything was flushed")
    }

    /// An emitter waits while the queued bytes are at their bound, and goes on once the writer
    /// has taken them; a write alone in the queue is taken whatever its size.
    @Test func anEmitterWaitsWhileTheQueuedBytesAreAtTheirBound() throws {
        let directory = TempDirectory(prefix: "jcs-queue")
        let connection = try SQLiteConnection(path: directory.file("journal.sqlite3"))
        try Migrations.migrate(connection)
        let share = JournalWriter.size(of: .write({ _ in }))
        let writer = JournalWriter(connection: connection, maximumQueuedBytes: 4 * share)
        defer { writer.stop() }
        let gate = Atomic<Bool>(false)
        let inGate = Atomic<Bool>(false)
        // The writer thread is held inside this write until the gate opens.
        try writer.enqueue { _ in
            inGate.store(true, ordering: .releasing)
            while !gate.load(ordering: .acquiring) { usleep(1_000) }
        }
        while !inGate.load(ordering: .acquiring) { usleep(1_000) }
        for _ in 0..<4 { try writer.enqueue { _ in } }
        #expect(writer.queued.writes == 4 && writer.queued.bytes == 4 * share)

        let fifthQueued = Atomic<Bool>(false)
        DetachedThread.start(stackSize: nil) {
            _ = try? writer.enqueue { _ in }
            fifthQueued.store(true, ordering: .releasing)
        }
        usleep(200_000)
        let queuedWhileBusy = fifthQueued.load(ordering: .acquiring)
        #expect(!queuedWhileBusy, "a write past the byte bound was queued while the writer was busy")
        gate.store(true, ordering: .releasing)
        var waited = 0
        while !fifthQueued.load(ordering: .acquiring) && waited < 10_000 {
            usleep(1_000)
            waited += 1
        }
        let queuedOnceTaken = fifthQueued.load(ordering: .acquiring)
        #expect(queuedOnceTaken, "the waiting emitter went on once the writer took the batch")
        writer.sync()
        #expect(writer.queued.writes == 0 && writer.queued.bytes == 0)

        // Alone in the queue, a write over the bound is taken.
        let big = EventRow(
            project: "p", conversation: nil, correlation: nil, kind: EventKind.toolCompleted.rawValue, entrySequence: nil, atMs: 1,
            payload: ["text": .string(String(repeating: "x", count: 16 * share))])
        try writer.waitDurable(try writer.enqueue(big))
    }
}
