/// Why the durable journal failed. `code` is the stable wire code; `sqliteCode` the SQLite result
/// code when SQLite produced the failure, so a full disk (13) or a locked file (5) can be told apart.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The database file could not be opened or configured (pragmas, WAL).
        case openFailed = "store_open_failed"
        /// A migration failed; the schema stays at the last migration that committed.
        case migrationFailed = "store_migration_failed"
        /// A statement could not be prepared, bound or stepped.
        case statementFailed = "store_statement_failed"
        /// A row held something the schema does not allow (unparsable JSON, an unknown kind).
        case corruptRow = "store_corrupt_row"
    }

    public var code: Code
    public var sqliteCode: Int32?
    /// What the store was doing, then SQLite's message.
    public var message: String

    public init(_ code: Code, sqliteCode: Int32? = nil, _ message: String) {
        self.code = code
        self.sqliteCode = sqliteCode
        self.message = message
    }

    public var description: String {
        "\(code.rawValue): \(message)" + (sqliteCode.map { " (sqlite \($0))" } ?? "")
    }

    /// The form the telemetry protocols throw, which carry only a reason.
    var telemetryError: TelemetryStoreError { .unavailable(reason: description) }
}
