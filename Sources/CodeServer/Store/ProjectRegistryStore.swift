import Sandbox

/// One project as the registry keeps it: what `startProject` needs to bring it back.
public struct RegisteredProject: Sendable, Equatable {
    public var id: String
    /// The real path the project was started on.
    public var root: String
    /// The effective options in wire form (`RuntimeOptions.effectiveJSON`), defaults included, so
    /// a restart does not pick up changed defaults silently.
    public var options: JSONValue
    public var registeredAtMs: Int64

    public init(id: String, root: String, options: JSONValue, registeredAtMs: Int64) {
        self.id = id
        self.root = root
        self.options = options
        self.registeredAtMs = registeredAtMs
    }
}

/// The registry of running projects, which a restart brings back. A project stopped on purpose is
/// removed; its history stays in the journal.
public protocol ProjectRegistryStore: Sendable {
    /// Inserts or replaces the project's record; returns once stored.
    func register(_ project: RegisteredProject) throws(TelemetryStoreError)
    func unregister(id: String) throws(TelemetryStoreError)
    /// Every registered project, oldest registration first.
    func registeredProjects() throws(TelemetryStoreError) -> [RegisteredProject]
}
