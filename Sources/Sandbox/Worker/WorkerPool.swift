#if canImport(Glibc)
import Glibc
#endif

/// Prepared workers for one (project root, profile), kept warm so a call pays only for *run*:
/// namespaces, id maps, cgroup and the whole root are built before the call arrives.
///
/// A background thread keeps `size` workers prepared. `take()` hands one out (each runs one
/// command); if none is ready it waits for the preparer. Bounded: never more than `size`
/// prepared workers exist.
public final class WorkerPool: @unchecked Sendable {
    public let root: String
    /// What `root` must still be at every prepare (nil: not checked against a record).
    public let rootIdentity: FileIdentity?
    public let profile: Profile
    public let size: Int
    private let executable: String
    private let bpf: [UInt8]

    // Guarded by `mutex`.
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var ready: [WorkerClient] = []
    private var lastError: SandboxError?
    private var state: State = .running
    private var preparer: pthread_t?

    private enum State { case running, stopping, stopped }

    /// - Parameters:
    ///   - filter: the profile's compiled filter; compiled once here and sent to every worker.
    ///   - rootIdentity: what `root` was when the project started; a worker whose root no longer
    ///     is that directory fails with `root_changed` instead of mounting it.
    public init(
        executable: String, root: String, rootIdentity: FileIdentity? = nil, profile: Profile, filter: SeccompProgram,
        size: Int
    ) {
        precondition(size >= 1, "a pool holds at least one worker")
        self.executable = executable
        self.root = root
        self.rootIdentity = rootIdentity
        self.profile = profile
        self.bpf = filter.bpf
        self.size = size
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        let unmanaged = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            let pool = Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue()
            pool.prepareLoop()
            return nil
        }, unmanaged.toOpaque())
        if rc == 0 { preparer = thread } else { unmanaged.release() }
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&changed)
    }

    /// A prepared worker. Throws the preparer's last error when preparing keeps failing
    /// (a removed root, a host that lacks a layer) rather than waiting forever.
    public func take() throws(SandboxError) -> WorkerClient {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while ready.isEmpty {
            if let lastError { throw lastError }
            guard state == .running else { throw .invalidRequest(field: "pool", reason: "the pool is shut down") }
            pthread_cond_wait(&changed, &mutex)
        }
        let worker = ready.removeFirst()
        pthread_cond_broadcast(&changed)
        return worker
    }

    /// Workers prepared and waiting for a call now, for metrics. The mutex is held only briefly
    /// by the other paths (never while a worker is prepared), so reading this does not stall.
    public var readyCount: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return ready.count
    }

    /// Blocks until `size` workers are prepared (or preparing fails): a caller that wants the
    /// next calls to pay for *run* only, such as a benchmark of warm latency.
    public func waitUntilFull() throws(SandboxError) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while ready.count < size {
            if let lastError { throw lastError }
            guard state == .running else { return }
            pthread_cond_wait(&changed, &mutex)
        }
    }

    /// Stops preparing and discards the prepared workers (their sandboxes die with them).
    public func shutdown() {
        pthread_mutex_lock(&mutex)
        state = .stopping
        pthread_cond_broadcast(&changed)
        while state != .stopped { pthread_cond_wait(&changed, &mutex) }
        let drained = ready
        ready.removeAll()
        pthread_mutex_unlock(&mutex)
        if let preparer { pthread_join(preparer, nil) }
        drained.forEach { $0.discard() }
    }

    private func prepareLoop() {
        var failures = 0
        while true {
            pthread_mutex_lock(&mutex)
            while state == .running && ready.count >= size { pthread_cond_wait(&changed, &mutex) }
            if state != .running {
                state = .stopped
                pthread_cond_broadcast(&changed)
                pthread_mutex_unlock(&mutex)
                return
            }
            pthread_mutex_unlock(&mutex)

            do {
                let worker = try WorkerClient(executable: executable)
                try worker.prepare(root: root, profile: profile, bpf: bpf, rootIdentity: rootIdentity)
                failures = 0
                pthread_mutex_lock(&mutex)
                ready.append(worker)
                lastError = nil
                pthread_cond_broadcast(&changed)
                pthread_mutex_unlock(&mutex)
            } catch {
                failures += 1
                pthread_mutex_lock(&mutex)
                lastError = error
                pthread_cond_broadcast(&changed)
                pthread_mutex_unlock(&mutex)
                // Back off, so a broken root does not become a busy loop of spawns.
                usleep(useconds_t(min(1000, 10 << min(failures, 7))) * 1000)
            }
        }
    }
}
