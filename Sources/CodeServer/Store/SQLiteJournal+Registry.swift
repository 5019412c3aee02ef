import Sandbox

/// The registry of projects with their options, read at start-up to bring them back.
extension SQLiteJournal: ProjectRegistryStore {
    public func register(_ project: RegisteredProject) throws(TelemetryStoreError) {
        try write { connection throws(StoreError) in
            let upsert = try connection.statement(
                """
                INSERT INTO projects (id, root, options, registered_at_ms) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (id) DO UPDATE SET root = excluded.root, options = excluded.options,
                    registered_at_ms = excluded.registered_at_ms
                """)
            upsert.bind(1, project.id)
            upsert.bind(2, project.root)
            upsert.bind(3, JSONWriter.text(project.options))
            upsert.bind(4, project.registeredAtMs)
            try upsert.run()
        }
    }

    public func unregister(id: String) throws(TelemetryStoreError) {
        try write { connection throws(StoreError) in
            let delete = try connection.statement("DELETE FROM projects WHERE id = ?1")
            delete.bind(1, id)
            try delete.run()
        }
    }

    public func registeredProjects() throws(TelemetryStoreError) -> [RegisteredProject] {
        try read { connection throws(StoreError) in
            let select = try connection.statement(
                "SELECT id, root, options, registered_at_ms FROM projects ORDER BY registered_at_ms, id")
            var projects: [RegisteredProject] = []
            while try select.step() {
                projects.append(
                    RegisteredProject(
                        id: select.text(0) ?? "", root: select.text(1) ?? "", options: try select.json(2),
                        registeredAtMs: select.int64(3)))
            }
            return projects
        }
    }
}
