import Synchronization

/// The durable journal: one SQLite database in WAL mode holding the one append-only `events` table
/// (every telemetry event and conversation journal entry, one row each: `EventRow`) and the
/// project registry. Conversation state, policy decisions, alerts, the incident timeline and what
/// a restart rebuilds are queries of `events` (the `SQLiteJournal+…` files).
///
/// Durability: writes go through the one `JournalWriter` (see there: group commit), which commits
/// with `synchronous=FULL`, so in WAL mode a commit has been fsync'ed to the WAL before anyone
/// waiting on it is answered. That survives a process kill *and* a power loss. Appends return once
/// queued; whoever acknowledges something waits for it (`mark()` then `durable(since:)`, or
/// `waitDurable`), so nothing is acknowledged that is not on disk, and many emitters share an fsync.
///
/// Reads use their own connection (WAL: they never block the writer) behind a `Mutex`, and first
/// wait for the writes queued before them, so a caller reads what it wrote.
public final class SQLiteJournal: Sendable {
    struct State: Sendable {
        let connection: SQLiteConnection
    }

    public let configuration: StoreConfiguration
    let clock: any RuntimeClock
    let state: Mutex<State>
    let writer: JournalWriter
    private let failureCount = Atomic<UInt64>(0)
    let retention: RetentionSchedule

    /// Opens (creating if needed) the journal, switches it to WAL, applies pending migrations,
    /// runs retention once and starts the writer.
    public init(configuration: StoreConfiguration, clock: any RuntimeClock = SystemClock()) throws(StoreError) {
        let connection = try Self.open(configuration.path, cacheBytes: configuration.readerCacheBytes)
        try Migrations.migrate(connection)
        self.configuration = configuration
        self.clock = clock
        state = Mutex(State(connection: connection))
        let retention = RetentionSchedule(configuration: configuration, clock: clock)
        self.retention = retention
        let writerConnection = try Self.open(configuration.path, cacheBytes: configuration.writerCacheBytes)
        _ = try Self.applyRetention(writerConnection, configuration, nowMs: clock.nowMs())
        writer = JournalWriter(connection: writerConnection) { connection, writes in
            retention.counted(writes, on: connection)
        }
    }

    deinit { writer.stop() }

    /// One configured connection. WAL: readers never block the writer, and a commit is one
    /// sequential write to the WAL. busy_timeout covers a second process reading the file and a
    /// closing journal's writer connection. `cacheBytes` bounds the connection's page cache
    /// (`StoreConfiguration.writerCacheBytes`, `readerCacheBytes`).
    private static func open(_ path: String, cacheBytes: Int) throws(StoreError) -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path)
        do {
            // First: switching to WAL takes a lock, and a journal closed a moment ago may still
            // have its writer's connection open while that thread ends (a reopen, a restart).
            try connection.execute("PRAGMA busy_timeout=5000")
            try connection.execute("PRAGMA journal_mode=WAL")
            try connection.execute("PRAGMA synchronous=FULL")
            try connection.execute("PRAGMA foreign_keys=ON")
            // Negative: a size in KiB rather than in pages.
            try connection.execute("PRAGMA cache_size=-\(max(64, cacheBytes >> 10))")
        } catch {
            throw StoreError(.openFailed, sqliteCode: error.sqliteCode, "configuring the journal: \(error.message)")
        }
        return connection
    }

    /// Writes that failed since open (batches, and writes refused because the writer stopped).
    public var failures: UInt64 { failureCount.load(ordering: .relaxed) }

    /// Retention passes that failed (the appends that triggered them had committed).
    public var retentionFailures: UInt64 { retention.failures }

    /// The store's state for health: the error of the latest batch while none has committed since.
    public var currentFailure: (reason: String, atMs: Int64)? {
        writer.currentFailure.map { ($0.error.description, $0.atMs) }
    }

    /// The last write queued so far: pass it to `durable(since:)` after the work to acknowledge.
    public func mark() -> UInt64 { writer.mark() }

    /// Returns once every write queued after `since` is committed; throws `TelemetryStoreError`
    /// when a batch among them failed. Called before an answer that acknowledges them.
    public func durable(since: UInt64) async throws(TelemetryStoreError) {
        do {
            try await writer.durable(since: since)
        } catch let error as StoreError {
            throw error.telemetryError
        } catch {
            throw .unavailable(reason: "\(error)")
        }
    }

    /// Waits until everything queued so far is committed; throws when the batch holding the
    /// last queued write failed. For a caller that acknowledges what it just appended.
    public func flush() throws(TelemetryStoreError) {
        let last = writer.mark()
        guard last > 0 else { return }
        do {
            try writer.waitDurable(last)
        } catch {
            failureCount.add(1, ordering: .relaxed)
            throw error.telemetryError
        }
    }

    /// The one way to the read connection: under the lock, with every statement reset afterwards
    /// (see `SQLiteConnection.finishStatements`), after the writes queued so far.
    func locked<T>(_ body: (inout State) throws(StoreError) -> T) throws(StoreError) -> T {
        writer.sync()
        return try state.withLock { state throws(StoreError) -> T in
            defer { state.connection.finishStatements() }
            return try body(&state)
        }
    }

    /// Queues a write; the caller decides whether to wait (`waitDurable`) or to let a later
    /// `durable(since:)` cover it.
    @discardableResult
    func enqueue(_ write: @escaping JournalWriter.Write) throws(TelemetryStoreError) -> UInt64 {
        do {
            return try writer.enqueue(write)
        } catch {
            failureCount.add(1, ordering: .relaxed)
            throw error.telemetryError
        }
    }

    /// Queues an event row (a telemetry event or a conversation entry), like `enqueue(_:)`.
    @discardableResult
    func enqueue(_ row: EventRow) throws(TelemetryStoreError) -> UInt64 {
        do {
            return try writer.enqueue(row)
        } catch {
            failureCount.add(1, ordering: .relaxed)
            throw error.telemetryError
        }
    }

    /// Queues a write and waits for its batch.
    func write(_ write: @escaping JournalWriter.Write) throws(TelemetryStoreError) {
        let sequence = try enqueue(write)
        do {
            try writer.waitDurable(sequence)
        } catch {
            failureCount.add(1, ordering: .relaxed)
            throw error.telemetryError
        }
    }

    func read<T>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(TelemetryStoreError) -> T {
        do {
            return try locked { state throws(StoreError) -> T in try body(state.connection) }
        } catch {
            throw error.telemetryError
        }
    }

    /// The migrations applied to this journal, in order.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try locked { state throws(StoreError) in try Migrations.applied(state.connection) }
    }
}

/// Retention every `retentionCheckEvery` committed writes, run by the writer after a commit.
final class RetentionSchedule: Sendable {
    private let configuration: StoreConfiguration
    private let clock: any RuntimeClock
    private let since = Mutex(0)
    private let failureCount = Atomic<UInt64>(0)

    init(configuration: StoreConfiguration, clock: any RuntimeClock) {
        self.configuration = configuration
        self.clock = clock
    }

    var failures: UInt64 { failureCount.load(ordering: .relaxed) }

    func reset() { since.withLock { $0 = 0 } }

    /// A retention failure is counted, not thrown: the writes themselves are on disk.
    func counted(_ writes: Int, on connection: SQLiteConnection) {
        let due = since.withLock { count -> Bool in
            count += writes
            guard count >= configuration.retentionCheckEvery else { return false }
            count = 0
            return true
        }
        guard due else { return }
        do {
            _ = try SQLiteJournal.applyRetention(connection, configuration, nowMs: clock.nowMs())
        } catch {
            failureCount.add(1, ordering: .relaxed)
        }
        connection.finishStatements()
    }
}
