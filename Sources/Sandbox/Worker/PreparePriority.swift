#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The CPU priority of preparing a sandbox ahead of its call, and of running the call.
///
/// Refilling a reserve is work for a later call, and it competes for the same cores as the call
/// that just took a worker: on 2 cores a prepare (~5 ms of mostly kernel work on up to three
/// threads) overlaps the whole run of the call before it. So a refill runs `increment` nice
/// levels below the process; a prepare that a blocked caller waits for does not. The worker
/// inherits its preparer thread's nice at spawn (with its sandbox's init and the threads it
/// starts), and at `run` takes its parent's again (`adoptParents`), so the tool never runs below
/// the coordinator. Nice orders tasks within one cpu cgroup, which is where a coordinator and its
/// workers are: the sandboxes' cgroups hold memory and pids, not cpu.
///
/// Only where the kernel lets a thread of the process take its nice value back down
/// (`CAP_SYS_NICE` in the host's user namespace, or an `RLIMIT_NICE` that reaches the base;
/// `canRestore` asks): otherwise a tool would inherit the refill's priority and keep it.
///
/// Without that, a preparer thread keeps the nice of the thread that started it, and so does
/// every tool. On Linux, Dispatch runs each priority's jobs on threads of their own nice (a
/// `.utility` task's at +2), and an actor drained by such a thread runs the other callers' jobs
/// there too; so the daemon starts no task below the default priority, and its preparer
/// threads start at the coordinator's nice (`RefillPriorityTests` checks both cases).
public enum PreparePriority {
    public static let increment: Int32 = 10

    /// Whether a thread of this process may go back from base + increment to base. Asked of the
    /// kernel, on a thread made for the question, rather than read from `CapEff` and
    /// `RLIMIT_NICE`: root of a user namespace (a container) has `CAP_SYS_NICE` in `CapEff`, but
    /// raising a nice value needs it in the host's namespace, and the answer would be wrong there.
    public static let canRestore: Bool = {
        let answer = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        answer.initialize(to: false)
        defer { answer.deallocate() }
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { raw in
            raw?.assumingMemoryBound(to: Bool.self).pointee = PreparePriority.tryLowerAndRestore()
            return nil
        }, answer) == 0 else { return false }
        pthread_join(thread, nil)
        return answer.pointee
    }()

    /// On a thread of its own, which ends after: moves it to base + increment and back.
    private static func tryLowerAndRestore() -> Bool {
        guard let base = niceOf(getpid()), base + increment <= 19 else { return false }
        return setNice(0, base + increment) && setNice(0, base)
    }

    /// Sets the calling thread to the process's nice (`background` false) or below it.
    static func setCallingThread(background: Bool) {
        guard canRestore, let base = niceOf(getpid()) else { return }
        let target = background ? min(19, base + increment) : base
        if niceOf(0) != target { _ = setNice(0, target) }
    }

    /// The coordinator's nice, in a worker (`jcs-worker` records it before it prepares); unset
    /// (`Int32.min`) elsewhere.
    private static let coordinatorNice = Atomic<Int32>(.min)

    /// In a worker, before it prepares: records the nice of the coordinator that spawned it.
    public static func recordCoordinator() {
        if let nice = niceOf(getppid()) { coordinatorNice.store(nice, ordering: .relaxed) }
    }

    /// For a thread that works for every sandbox on the host, such as the trap group's reader,
    /// which holds a lock all their monitors take turns on: it runs at the coordinator's nice,
    /// never at a refill's (in a worker prepared ahead of need, all its threads start below), nor
    /// at the Dispatch priority of the thread that happened to start it.
    static func setCallingThreadForHostWork() {
        let recorded = coordinatorNice.load(ordering: .relaxed)
        guard let target = recorded != .min ? recorded : niceOf(getpid()), niceOf(0) != target else { return }
        _ = setNice(0, target)
    }

    /// In a worker at `run`: every thread of this process and the sandbox's init take the
    /// parent's nice (the coordinator's main thread), so the tool, which init starts after this,
    /// runs at the coordinator's priority, not at the refill's. Nothing to do when they already
    /// do (a prepare for a waiting caller) or when the parent cannot be read.
    public static func adoptParents(sandboxInit: pid_t) {
        guard let base = niceOf(getppid()), let own = niceOf(getpid()), own != base else { return }
        for name in POSIX.entries(of: "/proc/self/task") ?? [] {
            if let tid = Int32(name) { _ = setNice(tid, base) }
        }
        _ = setNice(sandboxInit, base)
    }

    /// The nice value of one thread (a pid names its process's main thread, 0 the calling thread),
    /// nil when unknown.
    static func niceOf(_ tid: pid_t) -> Int32? {
        errno = 0
        let value = getpriority(which, id_t(tid))
        return value == -1 && errno != 0 ? nil : value
    }

    /// Sets one thread's nice value (ids as in `niceOf`); false when the kernel refuses.
    private static func setNice(_ tid: pid_t, _ value: Int32) -> Bool {
        setpriority(which, id_t(tid), value) == 0
    }

    /// PRIO_PROCESS names one thread on Linux (its tid; 0 the calling thread), not a whole process.
    private static let which = __priority_which_t(PRIO_PROCESS.rawValue)
}
