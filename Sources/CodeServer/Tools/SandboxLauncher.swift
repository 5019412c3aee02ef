import Sandbox

/// Hands out prepared workers for one project: from the warm pool for a call with the project's
/// timeout, or freshly prepared for a call that asks for a shorter one (the timeout is part of the
/// profile the worker is prepared with, so the kernel-side deadline stays the worker's job).
///
/// - Important: every method blocks; call them through `BlockingThread`, never on an actor.
public final class SandboxLauncher: Sendable {
    public let executable: String
    public let layout: SandboxLayout
    /// The project's effective profile (see `ProjectProfile`).
    public let profile: Profile
    private let filter: SeccompProgram
    /// What the root was when the project started: every prepare checks it (`root_changed`).
    public let rootIdentity: FileIdentity?
    private let pool: WorkerPool

    /// Registers the project's pool with `preparers`: `warmWorkers` sandboxes are built in the
    /// background, up to `maxWarmWorkers` while calls keep finding none ready.
    ///
    /// - Parameter rootIdentity: the identity of the project's root handle. Without one it is
    ///   taken here, once, so a root swapped later is refused rather than mounted (nil only when
    ///   the root cannot be opened now; preparing then fails with the reason).
    public init(
        executable: String, root: String, rootIdentity: FileIdentity? = nil, profile: Profile, filter: SeccompProgram,
        warmWorkers: Int, maxWarmWorkers: Int? = nil, preparers: WorkerPreparers? = nil
    ) {
        let identity = rootIdentity ?? (try? FileIdentity.ofDirectory(root))
        self.rootIdentity = identity
        self.executable = executable
        self.layout = SandboxLayout(root: root, workspace: profile.filesystem.workspacePath)
        self.profile = profile
        self.filter = filter
        // The preparer threads block SIGPIPE (`DetachedThread`): a worker that dies before
        // reading `prepare` must not take the coordinator down.
        pool = WorkerPool(
            executable: executable, root: root, rootIdentity: identity, profile: profile, filter: filter,
            size: warmWorkers, maxSize: maxWarmWorkers, preparers: preparers)
    }

    /// A prepared worker whose sandbox times out after `timeoutMs` (the profile's when nil or not
    /// shorter). With `sandbox`, a worker prepared now with that profile and filter: commands that
    /// ask for another profile are rare enough not to keep warm workers of their own.
    @available(*, noasync)
    public func acquire(timeoutMs: Int?, sandbox: SandboxOverride? = nil) throws(SandboxError) -> WorkerClient {
        var chosen = sandbox?.profile ?? profile
        let shorter = timeoutMs.map { $0 < chosen.limits.timeoutMs } ?? false
        guard sandbox != nil || shorter else { return try pool.take() }
        if let timeoutMs, shorter { chosen.limits.timeoutMs = timeoutMs }
        let worker = try WorkerClient(executable: executable)
        // The filter depends on the seccomp rules and network mode only, not on the timeout.
        try worker.prepare(
            root: layout.root, profile: chosen, bpf: (sandbox?.filter ?? filter).bpf, rootIdentity: rootIdentity)
        return worker
    }

    /// Prepared workers waiting for a call now (idle sandboxes), for metrics. Unlike the other
    /// methods it does not block: the pool's lock is never held across preparing a worker.
    public var warmWorkers: Int { pool.readyCount }

    /// Stops preparing and discards the warm workers. Workers already handed out finish or are
    /// cancelled by their calls.
    @available(*, noasync)
    public func shutdown() {
        pool.shutdown()
    }
}
