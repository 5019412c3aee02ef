#if canImport(Glibc)
import Glibc
#endif

/// Prepared workers for one (project root, profile), kept warm so a call pays only for *run*:
/// namespaces, id maps, cgroup and the whole root are built before the call arrives.
///
/// The pool keeps a reserve of `size` prepared workers. A call that finds it empty grows the
/// reserve by one, up to `maxSize` (a project under load keeps more sandboxes ready); the reserve
/// shrinks back one step per `WorkerPreparers.shrinkAfterNs` without such a call. The preparing
/// itself is done by the process's `WorkerPreparers` threads, in parallel, off the callers'
/// threads: a call never prepares the worker that replaces it. `take()` hands one out (each runs
/// one command); if none is ready it waits, and its wait is served before any reserve is refilled.
public final class WorkerPool: @unchecked Sendable {
    public let root: String
    /// What `root` must still be at every prepare (nil: not checked against a record).
    public let rootIdentity: FileIdentity?
    public let profile: Profile
    /// The reserve kept when the project is idle.
    public let size: Int
    /// The most the reserve grows to under load.
    public let maxSize: Int
    private let executable: String
    /// The `prepare` line, encoded once: every worker of the pool gets the same bytes.
    private let request: WorkerClient.PrepareRequest
    private let preparers: WorkerPreparers

    // Guarded by `preparers.mutex`.
    private var ready: [WorkerClient] = []
    var preparing = 0
    /// The tickets of the callers waiting in `take`, in arrival order: a worker goes to the
    /// first. Without the order, whichever woken thread won the lock took it, and a call that
    /// just arrived took it ahead of those that had waited longest: under load some calls
    /// waited many prepares, which is what a p99 shows.
    private var queue: [UInt64] = []
    private var nextTicket: UInt64 = 0
    private var waiting: Int { queue.count }
    private var reserve: Int
    private var lastMissNs: UInt64 = 0
    /// When a call last took a worker: which pool's warm workers go first at the global bound.
    private(set) var lastTakeNs: UInt64 = 0
    private var lastError: SandboxError?
    private var failures = 0
    private var retryAtNs: UInt64 = 0
    private var stopping = false
    /// Gave its warm worker up to a busier pool at the process-wide bound, or found no slot
    /// there: no reserve until its next call. Without this an idle project took the slot back as
    /// soon as a busy one's call freed it, and the busy one evicted it again: a prepare and a
    /// discard more per call, growing with the number of idle projects.
    private var parked = false

    /// - Parameters:
    ///   - filter: the profile's compiled filter; compiled once here and sent to every worker.
    ///   - rootIdentity: what `root` was when the project started; a worker whose root no longer
    ///     is that directory fails with `root_changed` instead of mounting it.
    ///   - maxSize: the reserve's bound under load (default `size`: a fixed reserve).
    ///   - preparers: the process's preparer threads; nil gives the pool a set of its own.
    public init(
        executable: String, root: String, rootIdentity: FileIdentity? = nil, profile: Profile, filter: SeccompProgram,
        size: Int, maxSize: Int? = nil, preparers: WorkerPreparers? = nil
    ) {
        precondition(size >= 1, "a pool holds at least one worker")
        self.executable = executable
        self.root = root
        self.rootIdentity = rootIdentity
        self.profile = profile
        self.size = size
        self.maxSize = max(size, maxSize ?? size)
        self.reserve = size
        self.request = WorkerClient.PrepareRequest(
            root: root, profile: profile, bpf: filter.bpf, rootIdentity: rootIdentity)
        self.preparers = preparers ?? WorkerPreparers(maxWarm: max(size, maxSize ?? size))
        self.preparers.register(self)
    }

    /// A prepared worker. Throws the preparers' last error for this pool when preparing keeps
    /// failing (a removed root, a host that lacks a layer) rather than waiting forever.
    public func take() throws(SandboxError) -> WorkerClient {
        preparers.lock()
        defer { preparers.unlock() }
        lastTakeNs = Timestamp.monotonicNs()
        parked = false
        // A miss: no worker left for this call once those waiting before it are served.
        if ready.count <= queue.count && !stopping {
            lastMissNs = lastTakeNs
            reserve = min(maxSize, reserve + 1)
        }
        let ticket = nextTicket
        nextTicket &+= 1
        queue.append(ticket)
        defer {
            // Wherever it left from (served, or thrown out): the next in line may go now.
            queue.removeAll { $0 == ticket }
            preparers.demandChanged()
        }
        preparers.demandChanged()
        while ready.isEmpty || queue.first != ticket {
            if let lastError { throw lastError }
            guard !stopping else { throw .invalidRequest(field: "pool", reason: "the pool is shut down") }
            pthread_cond_wait(&preparers.changed, &preparers.mutex)
        }
        return ready.removeFirst()
    }

    /// Workers prepared and waiting for a call now, for metrics. The lock is held only briefly
    /// by the other paths (never while a worker is prepared), so reading this does not stall.
    public var readyCount: Int {
        preparers.lock()
        defer { preparers.unlock() }
        return ready.count
    }

    /// Callers blocked in `take` now, waiting for a prepare.
    public var waitingCount: Int {
        preparers.lock()
        defer { preparers.unlock() }
        return waiting
    }

    /// The reserve the pool keeps now (between `size` and `maxSize`).
    public var reserveTarget: Int {
        preparers.lock()
        defer { preparers.unlock() }
        return reserve
    }

    /// Blocks until `size` workers are prepared (or preparing fails): a caller that wants the
    /// next calls to pay for *run* only, such as a benchmark of warm latency.
    public func waitUntilFull() throws(SandboxError) {
        preparers.lock()
        defer { preparers.unlock() }
        while ready.count < size {
            if let lastError { throw lastError }
            guard !stopping else { return }
            pthread_cond_wait(&preparers.changed, &preparers.mutex)
        }
    }

    /// Stops preparing and discards the prepared workers (their sandboxes die with them). Waits
    /// for this pool's preparations in flight, whose workers are discarded as they finish.
    public func shutdown() {
        preparers.lock()
        stopping = true
        preparers.unregister(self)
        while preparing > 0 { pthread_cond_wait(&preparers.changed, &preparers.mutex) }
        let drained = ready
        ready.removeAll()
        preparers.unlock()
        drained.forEach { $0.discard() }
    }

    // MARK: - For the preparers (their lock held unless said otherwise)

    /// Ready and preparing workers.
    var held: Int { ready.count + preparing }

    /// Ready and preparing workers beyond those its blocked callers will take: what counts
    /// against the process-wide bound. A caller's worker is not a reserve (callers are served
    /// beyond the bound); counting it made a pool whose first call was still being prepared
    /// evict an idle pool's worker for a slot the call then emptied again.
    var reserveHeld: Int { max(0, held - waiting) }

    func shortForCallers(now: UInt64) -> Bool {
        !stopping && now >= retryAtNs && waiting > held
    }

    func shortOfReserve(now: UInt64) -> Bool {
        !stopping && !parked && now >= retryAtNs && held < reserve + waiting
    }

    /// At the bound with no older pool to take a worker from: waits for its next call.
    func park() { parked = true }

    var hasReady: Bool { !ready.isEmpty }

    /// The oldest prepared worker, given up for a busier pool at the global bound; the pool
    /// then waits for its next call before it keeps a reserve again.
    func evictOne() -> WorkerClient? {
        guard !ready.isEmpty else { return nil }
        parked = true
        return ready.removeFirst()
    }

    /// Shrinks a reserve grown under load once no call has found the pool empty for `after`;
    /// returns a prepared worker beyond the new reserve, for the caller to discard unlocked.
    func shrinkIfIdle(now: UInt64, after: UInt64) -> WorkerClient? {
        guard reserve > size, now >= lastMissNs + after else { return nil }
        reserve -= 1
        lastMissNs = now
        return ready.count > reserve ? ready.removeLast() : nil
    }

    /// Without the lock: spawns and prepares one worker.
    func prepareOne() -> Result<WorkerClient, SandboxError> {
        do throws(SandboxError) {
            let worker = try WorkerClient(executable: executable)
            try worker.prepare(request)
            return .success(worker)
        } catch {
            return .failure(error)
        }
    }

    /// Keeps a prepared worker (or records the failure and backs off, so a broken root does not
    /// become a busy loop of spawns); returns a worker the stopped pool no longer wants.
    func accept(_ outcome: Result<WorkerClient, SandboxError>, now: UInt64) -> WorkerClient? {
        switch outcome {
        case .success(let worker):
            failures = 0
            lastError = nil
            retryAtNs = 0
            if stopping { return worker }
            ready.append(worker)
        case .failure(let error):
            failures += 1
            lastError = error
            retryAtNs = now + UInt64(min(1000, 10 << min(failures, 7))) * 1_000_000
        }
        return nil
    }
}
