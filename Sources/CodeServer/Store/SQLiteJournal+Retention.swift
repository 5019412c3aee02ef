import Synchronization

/// Retention: the journal is bounded by age and by size (rows of the events table), both options
/// of `StoreConfiguration`. The project registry is never pruned: it is the set of running
/// projects, not history.
extension SQLiteJournal {
    /// What one retention pass deleted.
    public struct RetentionResult: Sendable, Equatable {
        /// Rows of the events table deleted.
        public var events = 0
    }

    /// Applies retention now, with the journal's clock; also runs at open and every
    /// `retentionCheckEvery` appends.
    @discardableResult
    public func enforceRetention() throws(StoreError) -> RetentionResult {
        let now = clock.nowMs()
        let configuration = configuration
        let result = Mutex(RetentionResult())
        retention.reset()
        do {
            try write { connection throws(StoreError) in
                let deleted = try Self.retain(connection, configuration, nowMs: now)
                result.withLock { $0 = deleted }
            }
        } catch {
            throw StoreError(.statementFailed, "retention: \(error)")
        }
        return result.withLock { $0 }
    }

    static func applyRetention(
        _ connection: SQLiteConnection, _ configuration: StoreConfiguration, nowMs: Int64
    ) throws(StoreError) -> RetentionResult {
        try connection.transaction { () throws(StoreError) in try retain(connection, configuration, nowMs: nowMs) }
    }

    /// The deletes of a retention pass, inside the caller's transaction (a writer batch).
    static func retain(
        _ connection: SQLiteConnection, _ configuration: StoreConfiguration, nowMs: Int64
    ) throws(StoreError) -> RetentionResult {
        var result = RetentionResult()
        if let maxAge = configuration.retentionMaxAgeMs {
            let delete = try connection.statement("DELETE FROM events WHERE at_ms < ?1")
            delete.bind(1, nowMs - maxAge)
            try delete.run()
            result.events += connection.changes
        }
        if let maxRows = configuration.retentionMaxRows {
            // Rows are appended in id order, so the newest `maxRows` are those above the id
            // `maxRows` places from the top; the primary key answers that directly.
            let delete = try connection.statement(
                "DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?1)")
            delete.bind(1, Int64(maxRows))
            try delete.run()
            result.events += connection.changes
        }
        return result
    }

    /// Rows of the events table: the events that are conversation journal entries, and the
    /// others, for diagnostics and tests (every row is one event).
    public func rowCounts() throws(StoreError) -> (journalEntries: Int, otherEvents: Int) {
        try locked { state throws(StoreError) in
            (
                Int(try state.connection.integer("SELECT count(*) FROM events WHERE entry_sequence IS NOT NULL")),
                Int(try state.connection.integer("SELECT count(*) FROM events WHERE entry_sequence IS NULL"))
            )
        }
    }
}
