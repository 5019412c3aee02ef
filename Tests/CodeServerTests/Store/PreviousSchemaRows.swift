import Sandbox

@testable import CodeServer

/// Rows written the way the schema before `one_events_table` had them (`conversation_events`,
/// `telemetry_events`, and the policy-decision and alert side rows): how a data directory made by
/// the previous build looks, for the migration tests.
enum PreviousSchemaRows {
    /// A `conversation_events` row: `kind` is the old entry word (`user_message`), `payload` as
    /// that build wrote it.
    static func insert(
        entry sequence: Int, _ kind: String, at: Int64, correlation: String? = nil, payload: JSONValue = [:], project: String,
        conversation: String, into connection: SQLiteConnection
    ) throws {
        let insert = try connection.statement(
            """
            INSERT INTO conversation_events (project_id, conversation_id, sequence, kind, correlation_id, at_ms, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
        insert.bind(1, project)
        insert.bind(2, conversation)
        insert.bind(3, Int64(sequence))
        insert.bind(4, kind)
        insert.bind(5, correlation)
        insert.bind(6, at)
        insert.bind(7, JSONWriter.text(payload))
        try insert.run()
    }

    /// `name` is spelled as the old build stored it (`conversation.user_message`, before the rename).
    @discardableResult
    static func insert(
        name: String, project: String = "p1", conversation: String? = "c1", correlation: String? = nil, at: Int64,
        payload: JSONValue = [:], into connection: SQLiteConnection
    ) throws -> Int64 {
        let insert = try connection.statement(
            """
            INSERT INTO telemetry_events (hub_id, name, project_id, conversation_id, correlation_id, at_ms, payload)
            VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6) RETURNING id
            """)
        insert.bind(1, name)
        insert.bind(2, project)
        insert.bind(3, conversation)
        insert.bind(4, correlation)
        insert.bind(5, at)
        insert.bind(6, JSONWriter.text(payload))
        _ = try insert.step()
        let id = insert.int64(0)
        _ = try insert.step()
        if name.hasPrefix("policy.") {
            let side = try connection.statement(
                "INSERT INTO policy_decisions (telemetry_event_id, project_id, decision, at_ms) VALUES (?1, ?2, 'deny', ?3)")
            side.bind(1, id)
            side.bind(2, project)
            side.bind(3, at)
            try side.run()
        } else if name == EventKind.alertRaised.rawValue {
            let side = try connection.statement("INSERT INTO alerts (telemetry_event_id, project_id, at_ms) VALUES (?1, ?2, ?3)")
            side.bind(1, id)
            side.bind(2, project)
            side.bind(3, at)
            try side.run()
        }
        return id
    }
}
