import Sandbox

/// The registry of running projects: starts them (validating everything first), stops them, lists
/// them. Holds no other state; each project owns its own.
public actor Engine {
    /// What `listProjects` shows for one project.
    public struct ProjectSummary: Sendable, Equatable {
        public var id: String
        public var root: String
        public var profile: String
        /// Why a registered project could not be restored; nil for a running one (`status: running`).
        public var failure: String? = nil

        public var json: JSONValue {
            var object: [String: JSONValue] = [
                "id": .string(id), "root": .string(root), "profile": .string(profile),
                "status": .string(failure == nil ? "running" : "failed"),
            ]
            if let failure { object["reason"] = .string(failure) }
            return .object(object)
        }
    }

    private let configuration: EngineConfiguration
    private let sink: any RuntimeEventSink
    private let clock: any RuntimeClock
    private var projects: [String: Project] = [:]
    /// Registered projects a restart could not bring back, with why: listed as `failed` until
    /// they are stopped (unregistered) or the next restart restores them.
    private var failed: [String: ProjectSummary] = [:]

    public init(
        configuration: EngineConfiguration = EngineConfiguration(), sink: any RuntimeEventSink,
        clock: any RuntimeClock = SystemClock()
    ) {
        self.configuration = configuration
        self.sink = sink
        self.clock = clock
    }

    /// Starts a project on `root` with `options` (wire form, snake_case keys). Options are
    /// validated before anything starts: an unknown key or a bad value fails with
    /// `invalid_runtime_opt` naming every key at fault. The root must exist; it is resolved to its
    /// real path and opened once (`ProjectRoot`): host directories, the daemon's own directory and
    /// roots nested in (or around) another running project's are refused. `id` is generated when
    /// absent.
    public func startProject(root: String, options: JSONValue = [:], id: String? = nil) async throws(ProjectError) -> Project {
        let parsed: RuntimeOptions
        do {
            parsed = try RuntimeOptions.parse(options)
        } catch {
            throw .invalidOptions(error)
        }
        return try await startProject(root: root, options: parsed, id: id)
    }

    /// Starts a project with options already parsed (a CLI's `KEY=VALUE` list, say).
    public func startProject(root: String, options: RuntimeOptions, id: String? = nil) async throws(ProjectError) -> Project {
        try await start(root: root, options: options, id: id, registeredRoot: false)
    }

    /// `registeredRoot`: `root` is a real path recorded at an earlier start, so it must still be
    /// one; a link found there now (a directory swapped while the daemon was down) is refused
    /// instead of followed.
    private func start(root: String, options: RuntimeOptions, id: String?, registeredRoot: Bool) async throws(ProjectError)
        -> Project
    {
        let projectId = id ?? Identifier.make("proj")
        guard projects[projectId] == nil else { throw .duplicateProject(id: projectId) }
        // No suspension between this check and the insertion below: two starts cannot both pass it.
        let projectRoot = try ProjectRoot.open(
            root, reserved: configuration.reservedDirectories,
            running: projects.map { (id: $0.key, root: $0.value.projectRoot) }, mustBeRealPath: registeredRoot)
        let realRoot = projectRoot.path
        let project = try Project(
            id: projectId, root: projectRoot, options: options, configuration: configuration, sink: sink, clock: clock)
        if let registry = configuration.registry {
            // Registered before it is announced: a project the caller is told about is one a
            // restart brings back. The effective options are kept, defaults included.
            do {
                try registry.register(
                    RegisteredProject(id: projectId, root: realRoot, options: options.effectiveJSON, registeredAtMs: clock.nowMs()))
            } catch {
                await project.stop()
                throw .storeUnavailable(reason: "\(error)")
            }
        }
        projects[projectId] = project
        sink.emit(
            RuntimeEvent(
                projectId: projectId, atMs: clock.nowMs(),
                payload: .projectStarted(
                    ProjectStarted(
                        root: realRoot, profile: project.profile.name, networkEgressPolicy: options.networkEgressPolicy))))
        return project
    }

    /// Stops a project: its conversations and running calls are cancelled, its warm workers
    /// discarded.
    public func stopProject(_ id: String) async throws(ProjectError) {
        if let project = projects.removeValue(forKey: id) {
            await project.stop()
        } else if failed.removeValue(forKey: id) == nil {
            throw .unknownProject(id: id)
        }
        // Stopped on purpose: not brought back by a restart (its history stays in the journal).
        do {
            try configuration.registry?.unregister(id: id)
        } catch {
            throw .storeUnavailable(reason: "\(error)")
        }
    }

    /// What `restoreProjects` did for one registered project.
    public struct RestoredProject: Sendable {
        public var id: String
        /// The project's start error, when it could not come back (its root is gone, say).
        public var error: ProjectError?
    }

    /// Starts every project of the registry with its recorded id, root and options: the recovery
    /// step of a coordinator started on an existing data directory. A project that fails to start
    /// stays registered (the next restart tries again) and is reported.
    public func restoreProjects() async throws(ProjectError) -> [RestoredProject] {
        guard let registry = configuration.registry else { return [] }
        let registered: [RegisteredProject]
        do {
            registered = try registry.registeredProjects()
        } catch {
            throw .storeUnavailable(reason: "\(error)")
        }
        var restored: [RestoredProject] = []
        for record in registered where projects[record.id] == nil {
            do throws(ProjectError) {
                let options: RuntimeOptions
                do {
                    options = try RuntimeOptions.parse(record.options)
                } catch {
                    throw ProjectError.invalidOptions(error)
                }
                let project = try await start(root: record.root, options: options, id: record.id, registeredRoot: true)
                try await project.restoreConversations()
                failed[record.id] = nil
                restored.append(RestoredProject(id: record.id))
            } catch {
                failed[record.id] = ProjectSummary(
                    id: record.id, root: record.root, profile: record.options["profile"]?.stringValue ?? "",
                    failure: error.description)
                restored.append(RestoredProject(id: record.id, error: error))
            }
        }
        return restored
    }

    public func project(_ id: String) throws(ProjectError) -> Project {
        guard let project = projects[id] else { throw .unknownProject(id: id) }
        return project
    }

    /// The running projects, sorted by id.
    public func listProjects() -> [ProjectSummary] {
        (projects.values.map { ProjectSummary(id: $0.id, root: $0.root, profile: $0.profile.name) } + failed.values)
            .sorted { $0.id < $1.id }
    }

    /// Forces a reload of a project's assets (`reload_assets(project)`), whatever its watcher saw.
    public func reloadAssets(_ id: String) async throws(ProjectError) -> AssetReloadResult {
        try await project(id).reloadAssets()
    }

    /// Stops every project.
    public func shutdown() async {
        let running = projects.values
        projects.removeAll()
        for project in running { await project.stop() }
    }
}
