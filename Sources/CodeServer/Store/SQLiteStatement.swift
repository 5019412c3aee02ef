import CSQLite
import Sandbox

/// A prepared statement owned by its `SQLiteConnection` cache; finalized with it. Binding indexes
/// are 1-based as in SQLite; column indexes 0-based. Used only under the journal's lock, like its
/// connection.
final class SQLiteStatement: @unchecked Sendable {
    private let raw: OpaquePointer
    private unowned let connection: SQLiteConnection
    private let sql: String

    init(_ raw: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.raw = raw
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(raw) }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(raw, index, value) }

    func bind(_ index: Int32, _ value: String?) {
        guard let value else {
            sqlite3_bind_null(raw, index)
            return
        }
        // SQLITE_TRANSIENT: SQLite copies the bytes, so the Swift string may go away.
        sqlite3_bind_text(raw, index, value, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
    }

    /// Steps once: true when a row is available, false when done.
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(raw) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw connection.error(.statementFailed, rc, sql)
        }
    }

    /// Steps a statement that returns no rows.
    func run() throws(StoreError) { _ = try step() }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    /// Columns of the statement's result rows.
    var columnCount: Int32 { sqlite3_column_count(raw) }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(raw, column) else { return nil }
        return String(cString: bytes)
    }

    /// A JSON column parsed (the registry's options; event payloads are read by `EventRow`); a
    /// row the journal wrote always parses, so failure means corruption.
    func json(_ column: Int32) throws(StoreError) -> JSONValue {
        guard let text = text(column) else { return .null }
        do {
            return try JSONParser.parse(text)
        } catch {
            throw StoreError(.corruptRow, "unparsable JSON in a journal row: \(error)")
        }
    }
}
