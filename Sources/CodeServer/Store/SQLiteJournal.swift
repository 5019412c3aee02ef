import Synchronization

/// The durable journal: one SQLite database in WAL mode holding conversation events, telemetry
/// events (with the policy decisions and alerts among them indexed apart), and the project registry.
///
/// Durability: every append is its own transaction and returns only after COMMIT, with
/// `synchronous=FULL`, so in WAL mode the commit has been fsync'ed to the WAL before the caller is
/// answered. That survives a process kill *and* a power loss. `NORMAL` would survive a kill too
/// (the WAL is in the page cache, which outlives the process) but could lose the last commits on a
/// power loss, and "acknowledged means on disk" would then be false; FULL costs one fsync per
/// append, which the coordinator's call rate affords.
///
/// A class with a `Mutex` rather than an actor, like the hub: appends come from synchronous code
/// (the hub's lock, a conversation actor) and the caller must not return before the commit.
///
/// - Important: this makes every emit wait for an fsync, on the emitting thread and under the
///   hub's lock, which `RuntimeEventSink` asks sinks not to do. It is the simple way to make the
///   acknowledgement true; at higher call rates the next step is group commit (a writer thread
///   batching appends, and a barrier the coordinator awaits before it acknowledges).
public final class SQLiteJournal: Sendable {
    struct State: Sendable {
        let connection: SQLiteConnection
        var appendsSinceRetention = 0
    }

    public let configuration: StoreConfiguration
    let clock: any RuntimeClock
    let state: Mutex<State>
    private let failureCount = Atomic<UInt64>(0)
    private let retentionFailureCount = Atomic<UInt64>(0)

    /// Opens (creating if needed) the journal, switches it to WAL, applies pending migrations and
    /// runs retention once.
    public init(configuration: StoreConfiguration, clock: any RuntimeClock = SystemClock()) throws(StoreError) {
        let connection = try SQLiteConnection(path: configuration.path)
        do {
            // WAL: readers (a timeline query) never block the appender, and a commit is one
            // sequential write to the WAL. busy_timeout covers a second process reading the file.
            try connection.execute("PRAGMA journal_mode=WAL")
            try connection.execute("PRAGMA synchronous=FULL")
            try connection.execute("PRAGMA foreign_keys=ON")
            try connection.execute("PRAGMA busy_timeout=5000")
        } catch {
            throw StoreError(.openFailed, sqliteCode: error.sqliteCode, "configuring the journal: \(error.message)")
        }
        try Migrations.migrate(connection)
        self.configuration = configuration
        self.clock = clock
        state = Mutex(State(connection: connection))
        _ = try enforceRetention()
    }

    /// Writes that failed since open: the coordinator checks it did not move before acknowledging,
    /// because `RuntimeEventSink` callers cannot be told of a failure directly.
    public var failures: UInt64 { failureCount.load(ordering: .relaxed) }

    /// Retention passes that failed (the appends that triggered them had committed).
    public var retentionFailures: UInt64 { retentionFailureCount.load(ordering: .relaxed) }

    /// The one way to the connection: under the lock, with every statement reset afterwards (see
    /// `SQLiteConnection.finishStatements`).
    func locked<T>(_ body: (inout State) throws(StoreError) -> T) throws(StoreError) -> T {
        try state.withLock { state throws(StoreError) -> T in
            defer { state.connection.finishStatements() }
            return try body(&state)
        }
    }

    /// A write for the telemetry protocols: failures are counted and turned into their error.
    func write<T>(_ body: (inout State) throws(StoreError) -> T) throws(TelemetryStoreError) -> T {
        do {
            return try locked(body)
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

    /// Counts a committed append and, every `retentionCheckEvery`, applies retention in the same
    /// lock hold. A retention failure is counted, not thrown: the append itself is on disk.
    func countAppend(_ state: inout State) {
        state.appendsSinceRetention += 1
        guard state.appendsSinceRetention >= configuration.retentionCheckEvery else { return }
        state.appendsSinceRetention = 0
        do {
            _ = try Self.applyRetention(state.connection, configuration, nowMs: clock.nowMs())
        } catch {
            retentionFailureCount.add(1, ordering: .relaxed)
        }
    }

    /// The migrations applied to this journal, in order.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try locked { state throws(StoreError) in try Migrations.applied(state.connection) }
    }
}
