import Sandbox

/// The journal's schema, as an append-only list of named migrations. A migration that has shipped
/// is never edited: a change is a new migration at the end. Each runs in its own transaction and
/// is recorded by name in `schema_migrations`, so a database opened by a newer build catches up and
/// one whose schema is ahead of this build's list is refused rather than misread.
enum Migrations {
    struct Migration: Sendable {
        var name: String
        var sql: String
    }

    static let all: [Migration] = [
        Migration(
            name: "create_conversation_events",
            sql: """
                CREATE TABLE conversation_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    project_id TEXT NOT NULL,
                    conversation_id TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    correlation_id TEXT,
                    at_ms INTEGER NOT NULL,
                    payload TEXT NOT NULL
                );
                """),
        Migration(
            name: "create_telemetry_events",
            sql: """
                CREATE TABLE telemetry_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    hub_id INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    project_id TEXT NOT NULL,
                    conversation_id TEXT,
                    correlation_id TEXT,
                    at_ms INTEGER NOT NULL,
                    payload TEXT NOT NULL
                );
                """),
        Migration(
            name: "create_policy_decisions",
            sql: """
                CREATE TABLE policy_decisions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    telemetry_event_id INTEGER NOT NULL REFERENCES telemetry_events(id) ON DELETE CASCADE,
                    project_id TEXT NOT NULL,
                    decision TEXT NOT NULL,
                    tool TEXT,
                    reason TEXT,
                    correlation_id TEXT,
                    at_ms INTEGER NOT NULL
                );
                """),
        Migration(
            name: "create_alerts",
            sql: """
                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    telemetry_event_id INTEGER NOT NULL REFERENCES telemetry_events(id) ON DELETE CASCADE,
                    project_id TEXT NOT NULL,
                    rule TEXT,
                    severity TEXT,
                    at_ms INTEGER NOT NULL
                );
                """),
        Migration(
            name: "create_projects_registry",
            sql: """
                CREATE TABLE projects (
                    id TEXT PRIMARY KEY NOT NULL,
                    root TEXT NOT NULL,
                    options TEXT NOT NULL,
                    registered_at_ms INTEGER NOT NULL
                );
                """),
        // The incident timeline reads the newest entries of one conversation, optionally of one
        // correlation id, in time order: each index ends with (at_ms, id) so SQLite walks it
        // backwards and stops after `limit` rows, and the count is answered from the index alone.
        // Retention by age walks the at_ms indexes.
        Migration(
            name: "index_timeline_and_retention",
            sql: """
                CREATE INDEX conversation_events_timeline
                    ON conversation_events (project_id, conversation_id, at_ms, id);
                CREATE INDEX conversation_events_correlation
                    ON conversation_events (project_id, conversation_id, correlation_id, at_ms, id);
                CREATE INDEX telemetry_events_timeline
                    ON telemetry_events (project_id, conversation_id, at_ms, id);
                CREATE INDEX telemetry_events_correlation
                    ON telemetry_events (project_id, conversation_id, correlation_id, at_ms, id);
                CREATE INDEX conversation_events_age ON conversation_events (at_ms);
                CREATE INDEX telemetry_events_age ON telemetry_events (at_ms);
                CREATE INDEX policy_decisions_project ON policy_decisions (project_id, at_ms);
                CREATE INDEX policy_decisions_event ON policy_decisions (telemetry_event_id);
                CREATE INDEX alerts_project ON alerts (project_id, at_ms);
                CREATE INDEX alerts_event ON alerts (telemetry_event_id);
                """),
        // `total_entries` of an unfiltered timeline, kept up to date by triggers: counting a large
        // conversation through its index costs about 5 ms per 100,000 rows, this costs one
        // primary-key lookup. Retention's deletes go through the triggers too.
        Migration(
            name: "count_conversation_timeline_entries",
            sql: """
                CREATE TABLE conversation_timeline_counts (
                    project_id TEXT NOT NULL,
                    conversation_id TEXT NOT NULL,
                    entries INTEGER NOT NULL,
                    PRIMARY KEY (project_id, conversation_id)
                ) WITHOUT ROWID;
                INSERT INTO conversation_timeline_counts (project_id, conversation_id, entries)
                    SELECT project_id, conversation_id, count(*) FROM (
                        SELECT project_id, conversation_id FROM conversation_events
                        UNION ALL
                        SELECT project_id, conversation_id FROM telemetry_events WHERE conversation_id IS NOT NULL
                    ) GROUP BY project_id, conversation_id;
                CREATE TRIGGER conversation_events_counted AFTER INSERT ON conversation_events BEGIN
                    INSERT INTO conversation_timeline_counts (project_id, conversation_id, entries)
                        VALUES (NEW.project_id, NEW.conversation_id, 1)
                        ON CONFLICT (project_id, conversation_id) DO UPDATE SET entries = entries + 1;
                END;
                CREATE TRIGGER conversation_events_uncounted AFTER DELETE ON conversation_events BEGIN
                    UPDATE conversation_timeline_counts SET entries = entries - 1
                        WHERE project_id = OLD.project_id AND conversation_id = OLD.conversation_id;
                END;
                CREATE TRIGGER telemetry_events_counted AFTER INSERT ON telemetry_events
                    WHEN NEW.conversation_id IS NOT NULL BEGIN
                    INSERT INTO conversation_timeline_counts (project_id, conversation_id, entries)
                        VALUES (NEW.project_id, NEW.conversation_id, 1)
                        ON CONFLICT (project_id, conversation_id) DO UPDATE SET entries = entries + 1;
                END;
                CREATE TRIGGER telemetry_events_uncounted AFTER DELETE ON telemetry_events
                    WHEN OLD.conversation_id IS NOT NULL BEGIN
                    UPDATE conversation_timeline_counts SET entries = entries - 1
                        WHERE project_id = OLD.project_id AND conversation_id = OLD.conversation_id;
                END;
                """),
        // The timeline of one correlation id across a project (no conversation named: a direct
        // call, an MCP call) walks these, like the conversation's indexes above.
        Migration(
            name: "index_project_correlation_timeline",
            sql: """
                CREATE INDEX conversation_events_project_correlation
                    ON conversation_events (project_id, correlation_id, at_ms, id);
                CREATE INDEX telemetry_events_project_correlation
                    ON telemetry_events (project_id, correlation_id, at_ms, id);
                """),
        // One append-only table for every fact: a telemetry event, or a conversation's journal
        // entry (`entry_sequence` set: the conversation's own numbering). `kind` is the name the
        // timeline shows (`tool.failed`, `conversation.tool_requested`). The old tables' rows are
        // copied over in time order (so row ids keep breaking time ties as before), the renamed
        // `conversation.user_message` becomes `conversation.user.message`, and the old tables,
        // their side tables and count triggers are dropped. Indexes, each for one reader:
        //   events_correlation  (project, correlation, at, id): an incident timeline by
        //                       correlation id, with or without its conversation;
        //   events_conversation (project, conversation, at, id): a conversation's timeline and
        //                       its projections (entries, pending calls, open conversations);
        //   events_kind         (project, kind, at, id): alert windows, policy decisions, alerts,
        //                       the counts a restart rebuilds;
        //   events_age          (at): retention by age.
        Migration(
            name: "one_events_table",
            sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    project_id TEXT NOT NULL,
                    conversation_id TEXT,
                    correlation_id TEXT,
                    kind TEXT NOT NULL,
                    entry_sequence INTEGER,
                    at_ms INTEGER NOT NULL,
                    payload TEXT NOT NULL
                );
                INSERT INTO events (project_id, conversation_id, correlation_id, kind, entry_sequence, at_ms, payload)
                    SELECT project_id, conversation_id, correlation_id, kind, entry_sequence, at_ms, payload FROM (
                        SELECT project_id, conversation_id, correlation_id,
                            CASE kind WHEN 'user_message' THEN 'conversation.user.message' ELSE 'conversation.' || kind END AS kind,
                            sequence AS entry_sequence, at_ms, payload, 0 AS source, id FROM conversation_events
                        UNION ALL
                        SELECT project_id, conversation_id, correlation_id,
                            CASE name WHEN 'conversation.user_message' THEN 'conversation.user.message' ELSE name END,
                            NULL, at_ms, payload, 1, id FROM telemetry_events
                    ) ORDER BY at_ms, source, id;
                DROP TABLE policy_decisions;
                DROP TABLE alerts;
                DROP TABLE conversation_timeline_counts;
                DROP TABLE conversation_events;
                DROP TABLE telemetry_events;
                CREATE INDEX events_correlation ON events (project_id, correlation_id, at_ms, id);
                CREATE INDEX events_conversation ON events (project_id, conversation_id, at_ms, id);
                CREATE INDEX events_kind ON events (project_id, kind, at_ms, id);
                CREATE INDEX events_age ON events (at_ms);
                """),
        // One row per conversation fact: a journal entry is the event itself (its kind an
        // `EventKind`, its payload that kind's), no longer an entry plus a twin event.
        //   1. Entry rows take their event's name where the two differed (`calls_cancelled` is
        //      `tool.child_processes_terminated`, `turn_cancelled` is `conversation.cancelled`, …);
        //      the entries that had no event keep theirs (`conversation.tool_result`, …).
        //   2. Each entry's twin is deleted: the event of the same kind, project, conversation and
        //      correlation id, the n-th such event paired with the n-th such entry in time order
        //      (the entry is kept: it has the number, and for a user message the text). A retried
        //      model request (`llm.failed`, `final: false`) was an event only, and a restart's
        //      cancellation (`reason` set) an entry only: neither has a twin.
        //   3. A user message's event with no entry left (`{sequence}` only, its entry never
        //      stored) names a message the journal does not have: it is deleted, as no reader can
        //      take it for the message.
        Migration(
            name: "fold_conversation_entries",
            sql: """
                UPDATE events SET kind = CASE kind
                        WHEN 'conversation.calls_cancelled' THEN 'tool.child_processes_terminated'
                        WHEN 'conversation.queue_overflow' THEN 'conversation.queue.overflow'
                        WHEN 'conversation.assistant_message' THEN 'conversation.assistant.message'
                        WHEN 'conversation.llm_failed' THEN 'llm.failed'
                        WHEN 'conversation.turn_cancelled' THEN 'conversation.cancelled'
                        ELSE kind END
                    WHERE entry_sequence IS NOT NULL;
                CREATE TEMP TABLE twinned (kind TEXT PRIMARY KEY) WITHOUT ROWID;
                INSERT INTO temp.twinned (kind) VALUES ('conversation.started'), ('conversation.stopped'),
                    ('conversation.user.message'), ('conversation.tool_requested'), ('conversation.queue.overflow'),
                    ('conversation.assistant.message'), ('llm.failed'), ('conversation.cancelled'),
                    ('conversation.resumed'), ('tool.child_processes_terminated');
                DELETE FROM events WHERE id IN (
                    SELECT twin.id FROM (
                        SELECT id, project_id, conversation_id, correlation_id, kind, row_number() OVER (
                            PARTITION BY project_id, conversation_id, correlation_id, kind ORDER BY at_ms, id) AS n
                        FROM events
                        WHERE entry_sequence IS NULL AND conversation_id IS NOT NULL
                            AND kind IN (SELECT kind FROM temp.twinned)
                            AND NOT (kind = 'llm.failed' AND json_extract(payload, '$.final') = 0)
                    ) AS twin JOIN (
                        SELECT project_id, conversation_id, correlation_id, kind, row_number() OVER (
                            PARTITION BY project_id, conversation_id, correlation_id, kind ORDER BY at_ms, id) AS n
                        FROM events
                        WHERE entry_sequence IS NOT NULL AND kind IN (SELECT kind FROM temp.twinned)
                            AND NOT (kind = 'tool.child_processes_terminated' AND json_extract(payload, '$.reason') IS NOT NULL)
                    ) AS entry
                    ON twin.project_id = entry.project_id AND twin.conversation_id = entry.conversation_id
                        AND twin.correlation_id IS entry.correlation_id AND twin.kind = entry.kind AND twin.n = entry.n
                );
                DELETE FROM events
                    WHERE kind = 'conversation.user.message' AND entry_sequence IS NULL
                        AND json_type(payload, '$.text') IS NULL;
                DROP TABLE temp.twinned;
                """),
        // A call's end is one row: the conversation journals the runner's ending event
        // (`tool.completed`, `tool.failed`, `tool.timeout`, `tool.cancelled`) as its entry, where it
        // used to journal a `conversation.tool_result` beside that event.
        //   1. Each `conversation.tool_result` entry is paired with its ending: the event of the
        //      same project, conversation and call id whose kind is `tool.<status>` and that is no
        //      entry. The endings are listed once, with their call ids, in a temporary table
        //      indexed by call id, so the pairing is one lookup per result: a lookup per result
        //      in the events table itself took more than 10 minutes on a journal of a million
        //      rows, where this takes 6 s (docs/architecture.md).
        //   2. The entry row takes its ending's kind and payload, and keeps its number, time and
        //      id, so entries stay in number order; the ending row is deleted.
        //   3. An entry whose ending is gone (retention cut between the two rows) becomes its
        //      ending from what it said: the kind from `status`, a failure's `reason`, and zero
        //      for the durations it never had.
        Migration(
            name: "fold_tool_results",
            sql: """
                CREATE TEMP TABLE endings (call_id TEXT, project_id TEXT, conversation_id TEXT, kind TEXT, id INTEGER);
                INSERT INTO temp.endings (call_id, project_id, conversation_id, kind, id)
                    SELECT json_extract(payload, '$.call_id'), project_id, conversation_id, kind, id FROM events
                    WHERE kind IN ('tool.completed', 'tool.failed', 'tool.timeout', 'tool.cancelled')
                        AND entry_sequence IS NULL AND conversation_id IS NOT NULL;
                CREATE INDEX temp.endings_by_call ON endings (call_id, project_id, conversation_id, kind, id);
                CREATE TEMP TABLE ends (entry_id INTEGER PRIMARY KEY, ending_id INTEGER);
                INSERT INTO temp.ends (entry_id, ending_id)
                    SELECT r.id, (SELECT max(e.id) FROM temp.endings AS e
                        WHERE e.call_id = json_extract(r.payload, '$.call_id') AND e.project_id = r.project_id
                            AND e.conversation_id = r.conversation_id
                            AND e.kind = 'tool.' || json_extract(r.payload, '$.status'))
                    FROM events AS r WHERE r.kind = 'conversation.tool_result';
                UPDATE events SET kind = e.kind, payload = e.payload
                    FROM temp.ends AS p JOIN events AS e ON e.id = p.ending_id
                    WHERE events.id = p.entry_id;
                DELETE FROM events WHERE id IN (SELECT ending_id FROM temp.ends WHERE ending_id IS NOT NULL);
                UPDATE events SET
                    kind = 'tool.' || json_extract(payload, '$.status'),
                    payload = CASE json_extract(payload, '$.status')
                        WHEN 'completed' THEN json_object('call_id', json_extract(payload, '$.call_id'),
                            'tool', json_extract(payload, '$.tool'), 'duration_ms', 0, 'sensitive', json('false'))
                        WHEN 'failed' THEN json_object('call_id', json_extract(payload, '$.call_id'),
                            'tool', json_extract(payload, '$.tool'), 'reason', json_extract(payload, '$.reason'),
                            'message', 'the detail of this failure was not kept')
                        WHEN 'timeout' THEN json_object('call_id', json_extract(payload, '$.call_id'),
                            'tool', json_extract(payload, '$.tool'), 'timeout_ms', 0, 'duration_ms', 0)
                        ELSE json_object('call_id', json_extract(payload, '$.call_id'), 'tool', json_extract(payload, '$.tool'))
                        END
                    WHERE kind = 'conversation.tool_result';
                DROP TABLE temp.ends;
                DROP TABLE temp.endings;
                """),
    ]

    /// Applies the migrations the database has not seen, in order, each in its own transaction;
    /// with `upTo`, stops after that one, so a test can write rows as an older schema had them and
    /// check what the following migrations make of them.
    static func migrate(_ connection: SQLiteConnection, upTo last: String? = nil) throws(StoreError) {
        // A migration's temporary tables leave their pages in the connection's cache for the temp
        // database, which `cache_size` does not bound: handed back once the migrations ran, or
        // the reader's cache stays over its bound for the life of the process.
        defer { try? connection.execute("PRAGMA shrink_memory") }
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at_ms INTEGER NOT NULL)",
            failing: .migrationFailed)
        var applied: Set<String> = []
        let select = try connection.statement("SELECT name FROM schema_migrations")
        while try select.step() { if let name = select.text(0) { applied.insert(name) } }
        let known = Set(all.map(\.name))
        if let unknown = applied.subtracting(known).sorted().first {
            throw StoreError(.migrationFailed, "the journal has migration '\(unknown)' this build does not know (newer schema)")
        }
        for migration in all {
            if !applied.contains(migration.name) {
                try connection.transaction { () throws(StoreError) in
                    do throws(StoreError) {
                        try connection.execute(migration.sql, failing: .migrationFailed)
                    } catch {
                        throw StoreError(.migrationFailed, sqliteCode: error.sqliteCode, "\(migration.name): \(error.message)")
                    }
                    let record = try connection.statement(
                        "INSERT INTO schema_migrations (name, applied_at_ms) VALUES (?1, ?2)")
                    record.bind(1, migration.name)
                    record.bind(2, Timestamp.nowMs())
                    try record.run()
                }
            }
            if migration.name == last { return }
        }
    }

    /// Names of the migrations applied, in the order they were applied.
    static func applied(_ connection: SQLiteConnection) throws(StoreError) -> [String] {
        let select = try connection.statement("SELECT name FROM schema_migrations ORDER BY rowid")
        var names: [String] = []
        while try select.step() { if let name = select.text(0) { names.append(name) } }
        return names
    }
}
