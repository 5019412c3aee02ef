import CSQLite
import Sandbox

/// One open SQLite database handle. Not thread-safe by itself (opened `NOMUTEX`): `SQLiteJournal`
/// keeps it behind a `Mutex`, so every statement runs with the lock held and transactions never
/// interleave. That lock is what makes the `@unchecked Sendable` true.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Statements prepared once and reused: the append path must not re-parse SQL per event.
    private var cache: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`.
    init(path: String) throws(StoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(.openFailed, sqliteCode: rc, "opening '\(path)': \(message)")
        }
        handle = db
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs SQL without results (pragmas, DDL, transaction control).
    func execute(_ sql: String, failing code: StoreError.Code = .statementFailed) throws(StoreError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(code, rc, sql) }
    }

    /// A prepared statement, reset and with its bindings cleared, ready to bind.
    func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = cache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(.statementFailed, rc, sql) }
        let statement = SQLiteStatement(raw, connection: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    /// `BEGIN IMMEDIATE` takes the write lock up front, so a commit never fails on a lock upgrade.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The value of a single-integer query (`PRAGMA user_version`, `SELECT count(*)`).
    func integer(_ sql: String) throws(StoreError) -> Int64 {
        let statement = try statement(sql)
        guard try statement.step() else { return 0 }
        return statement.int64(0)
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Bytes of heap the connection's page cache holds now (`SQLITE_DBSTATUS_CACHE_USED`); read
    /// by whoever holds the connection, like every other use.
    var cacheUsedBytes: Int {
        var current: Int32 = 0
        var highwater: Int32 = 0
        guard sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_USED, &current, &highwater, 0) == SQLITE_OK else { return 0 }
        return Int(current)
    }

    /// Resets every cached statement. Called at the end of each use of the connection: a read
    /// left in the middle of its rows pins its WAL snapshot, so checkpoints cannot recycle the
    /// WAL and it grows; an unfinished write would keep its implicit transaction, and with it the
    /// commit, pending. Neither may outlive the lock hold that started it.
    func finishStatements() {
        for statement in cache.values { statement.reset() }
    }

    func error(_ code: StoreError.Code, _ rc: Int32, _ doing: String) -> StoreError {
        StoreError(code, sqliteCode: rc, "\(doing.prefix(120)): \(String(cString: sqlite3_errmsg(handle)))")
    }
}
