import Synchronization

/// A `ProjectRegistryStore` in memory: for tests, and the registry of a daemon without a data
/// directory (nothing to restore after a restart, by design).
public final class InMemoryProjectRegistry: ProjectRegistryStore {
    private let projects = Mutex<[String: RegisteredProject]>([:])

    public init() {}

    public func register(_ project: RegisteredProject) { projects.withLock { $0[project.id] = project } }

    public func unregister(id: String) { projects.withLock { _ = $0.removeValue(forKey: id) } }

    public func registeredProjects() -> [RegisteredProject] {
        projects.withLock { $0.values.sorted { ($0.registeredAtMs, $0.id) < ($1.registeredAtMs, $1.id) } }
    }
}
