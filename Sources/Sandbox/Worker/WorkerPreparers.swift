#if canImport(Glibc)
import Glibc
#endif

/// The threads that prepare workers for every `WorkerPool` of a process, and the bound on how
/// many prepared workers wait at once across all of them.
///
/// One set per process (composed where it starts), not one thread per pool: a hundred idle
/// projects cost a hundred waiting workers, not a hundred preparer threads in the coordinator,
/// and a loaded project gets every thread (preparations run in parallel, so throughput is not
/// capped at one prepare at a time). Callers blocked in `take()` are served before reserves are
/// refilled, round-robin across pools; a reserve is refilled only while fewer than `maxWarm`
/// workers are prepared or preparing in the whole process, a blocked caller always.
///
/// Threads start on demand (up to `threads`) and end when no pool is registered. The lock below
/// guards every registered pool's state too: it is held for bookkeeping only, never across a
/// prepare or a reap.
public final class WorkerPreparers: @unchecked Sendable {
    /// Preparations at once: one per core keeps the cores busy without making every prepare
    /// slower than the call it is for.
    public let threads: Int
    /// Workers prepared or preparing for reserves across every pool.
    public let maxWarm: Int
    /// How long a pool's reserve stays grown after the last call that found it empty.
    public let shrinkAfterNs: UInt64

    var mutex = pthread_mutex_t()
    /// Signalled when a pool's demand or state changes; preparer threads and blocked `take()`s
    /// wait on it.
    var changed = pthread_cond_t()
    private var pools: [WorkerPool] = []
    private var running = 0
    private var started: UInt64 = 0
    private var cursor = 0

    public init(threads: Int? = nil, maxWarm: Int = 64, shrinkAfterSeconds: Int = 30) {
        precondition(maxWarm >= 1, "at least one warm worker")
        self.threads = max(1, threads ?? Self.onlineCPUs())
        self.maxWarm = maxWarm
        self.shrinkAfterNs = UInt64(shrinkAfterSeconds) * 1_000_000_000
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&changed, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&changed)
    }

    /// Preparer threads alive now (for tests and diagnostics).
    public var liveThreads: Int {
        lock()
        defer { unlock() }
        return running
    }

    /// Prepares started since this set was made, for every pool (for tests and diagnostics).
    public var prepared: UInt64 {
        lock()
        defer { unlock() }
        return started
    }

    /// Prepared and preparing workers across every pool.
    public var held: Int {
        lock()
        defer { unlock() }
        return pools.reduce(0) { $0 + $1.held }
    }

    static func onlineCPUs() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }

    func register(_ pool: WorkerPool) {
        lock()
        pools.append(pool)
        demandChanged()
        unlock()
    }

    /// With the lock held.
    func unregister(_ pool: WorkerPool) {
        pools.removeAll { $0 === pool }
        pthread_cond_broadcast(&changed)
    }

    /// With the lock held: wakes the threads, and starts one more when every live one is busy.
    func demandChanged() {
        pthread_cond_broadcast(&changed)
        guard running < threads, !pools.isEmpty else { return }
        running += 1
        let started = DetachedThread.start(stackSize: nil) { [self] in loop() }
        if !started { running -= 1 }
    }

    /// With the lock held: the next pool to prepare a worker for, and a warm worker to discard
    /// for it. Blocked callers first, then reserves; round-robin in both passes, so one busy
    /// project does not starve another's. At the process-wide bound a reserve is refilled only
    /// by evicting a warm worker of a pool used less recently (the idle projects' sandboxes go
    /// first, the busy ones stay warm); the evicted pool, and one that finds nobody to evict,
    /// park until their next call, so slots freed by a busy pool's calls go back to it and not
    /// to a hundred idle ones in turn.
    private func next(now: UInt64) -> (WorkerPool, evicted: WorkerClient?, background: Bool)? {
        guard !pools.isEmpty else { return nil }
        let count = pools.count
        for step in 0..<count {
            let pool = pools[(cursor + step) % count]
            if pool.shortForCallers(now: now) {
                cursor = (cursor + step + 1) % count
                return (pool, nil, false)
            }
        }
        let atBound = pools.reduce(0) { $0 + $1.reserveHeld } >= maxWarm
        for step in 0..<count {
            let pool = pools[(cursor + step) % count]
            guard pool.shortOfReserve(now: now) else { continue }
            guard atBound else {
                cursor = (cursor + step + 1) % count
                return (pool, nil, pool.hasReady)
            }
            let older = pools.filter { $0 !== pool && $0.lastTakeNs < pool.lastTakeNs }
            let victim = older.filter(\.hasReady).min { $0.lastTakeNs < $1.lastTakeNs }
            if let victim, let evicted = victim.evictOne() {
                cursor = (cursor + step + 1) % count
                return (pool, evicted, pool.hasReady)
            }
            // Nobody older holds or is preparing a worker: an idle pool beyond the bound. Its
            // project's next call is served all the same, and unparks it.
            if !older.contains(where: { $0.held > 0 }) { pool.park() }
        }
        return nil
    }

    private func loop() {
        lock()
        while true {
            if pools.isEmpty {
                running -= 1
                unlock()
                return
            }
            let now = Timestamp.monotonicNs()
            var surplus: [WorkerClient] = []
            for pool in pools {
                if let extra = pool.shrinkIfIdle(now: now, after: shrinkAfterNs) { surplus.append(extra) }
            }
            if !surplus.isEmpty {
                unlock()
                surplus.forEach { $0.discard() }
                lock()
                continue
            }
            if let (pool, evicted, background) = next(now: now) {
                pool.preparing += 1
                started += 1
                unlock()
                evicted?.discard()
                PreparePriority.setCallingThread(background: background)
                let outcome = pool.prepareOne()
                lock()
                pool.preparing -= 1
                let unwanted = pool.accept(outcome, now: Timestamp.monotonicNs())
                pthread_cond_broadcast(&changed)
                if let unwanted {
                    unlock()
                    unwanted.discard()
                    lock()
                }
                continue
            }
            // Nothing to do: sleep until a change, a pool's back-off ends, or a reserve may shrink.
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            deadline.tv_sec += 1
            pthread_cond_timedwait(&changed, &mutex, &deadline)
        }
    }
}
