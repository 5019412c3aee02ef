import Sandbox

/// What the engine builds every project with, composed once where the process starts (`serve`,
/// a test), so nothing in the runtime reaches for a global.
public struct EngineConfiguration: Sendable {
    /// The `jcs-worker` executable.
    public var workerExecutable: String
    /// Prepared sandboxes kept warm per project: each is a pid namespace, a mount tree and a
    /// cgroup waiting for a call, so a small number (1–2) pays for itself without hoarding.
    public var warmWorkersPerProject: Int
    /// The most a project's reserve grows to while its calls keep finding none ready (default:
    /// `warmWorkersPerProject`, a fixed reserve; each warm sandbox holds fanotify marks on its
    /// traps in the host's one trap group, of which a user has `fs.fanotify.max_user_marks`).
    public var maxWarmWorkersPerProject: Int
    /// The threads that prepare every project's workers, and the bound on warm workers across
    /// all projects: one set per engine.
    public var workerPreparers: WorkerPreparers
    /// The final check that a path stays beneath the root; the kernel's `openat2` in production.
    public var beneathChecker: any BeneathChecker
    /// Where running projects are registered so a restart brings them back; nil: nothing is kept.
    public var registry: (any ProjectRegistryStore)?
    /// Where conversations write the durable copy of their journal; nil: memory only.
    public var journalStore: (any ConversationJournalStore)?
    /// Paths no project root may be, lie in or contain: the daemon's data directory and its
    /// socket (a root cannot lie in a socket, so for it this means no project contains it), so
    /// no tool can read or rewrite the coordinator's own state.
    public var reservedDirectories: [String]
    /// Builds the model of projects that configure one (`llm_base_url`); nil: no agent loop,
    /// user messages are only journaled.
    public var chatModels: (any ChatModelProvider)?

    public init(
        workerExecutable: String = WorkerClient.defaultExecutable(), warmWorkersPerProject: Int = 2,
        maxWarmWorkersPerProject: Int? = nil, workerPreparers: WorkerPreparers = WorkerPreparers(),
        beneathChecker: any BeneathChecker = KernelBeneathChecker(), registry: (any ProjectRegistryStore)? = nil,
        journalStore: (any ConversationJournalStore)? = nil, reservedDirectories: [String] = [],
        chatModels: (any ChatModelProvider)? = nil
    ) {
        self.chatModels = chatModels
        precondition(warmWorkersPerProject >= 1, "a project keeps at least one warm worker")
        self.workerExecutable = workerExecutable
        self.warmWorkersPerProject = warmWorkersPerProject
        self.maxWarmWorkersPerProject = max(warmWorkersPerProject, maxWarmWorkersPerProject ?? warmWorkersPerProject)
        self.workerPreparers = workerPreparers
        self.beneathChecker = beneathChecker
        self.registry = registry
        self.journalStore = journalStore
        self.reservedDirectories = reservedDirectories
    }
}
