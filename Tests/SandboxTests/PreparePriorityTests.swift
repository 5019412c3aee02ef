#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Sandbox
import TestSupport
import Testing

/// Refills of a warm reserve are prepared below the coordinator's priority, and the tool a
/// refilled worker runs is not: real `jcs-worker` processes, the kernel's nice values read back.
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .enabled(if: BuiltProducts.exists("jcs-worker"), "jcs-worker is not built (run scripts/test, which builds it)"),
    .enabled(if: PreparePriority.canRestore, "this process may not take a nice value back down (no CAP_SYS_NICE in the host's user namespace, RLIMIT_NICE too low), so refills keep the coordinator's priority"),
    .serialized)
struct PreparePriorityTests {
    @Test func aRefillIsPreparedBelowTheCoordinatorAndItsToolRunsAtIt() throws {
        let base = try #require(ProcStat.nice(of: getpid()))
        try #require(base + PreparePriority.increment <= 19, "this process already runs at nice \(base)")
        let project = TempDirectory()
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        // One preparer thread, so the two prepares run in turn: the first fills an empty
        // reserve (a call would wait for it), the second is ahead of need.
        let preparers = WorkerPreparers(threads: 1, maxWarm: 4, shrinkAfterSeconds: 60)
        let pool = WorkerPool(
            executable: BuiltProducts.path("jcs-worker"), root: project.path, profile: profile,
            filter: try SeccompProgram(profile: profile), size: 2, preparers: preparers)
        defer { pool.shutdown() }
        try pool.waitUntilFull()
        let workers = [try pool.take(), try pool.take()]
        let nices = workers.map { ProcStat.nice(of: $0.pid) }
        #expect(nices.contains(base), "worker nices \(nices), base \(base)")
        #expect(nices.contains(base + PreparePriority.increment), "worker nices \(nices), base \(base)")
        for (worker, prepared) in zip(workers, nices) {
            // The sandbox's init was started by the worker, at the worker's priority.
            if let initPid = worker.ready?.pid { #expect(ProcStat.nice(of: pid_t(initPid)) == prepared) }
            // Its trap group reader answers every sandbox on the host, under a lock they take
            // turns on: at the coordinator's priority from the start, whatever the prepare's.
            let readers = ProcStat.threadNices(of: worker.pid, named: "jcs-trap-reader")
            #expect(readers == [base], "the trap readers of a worker prepared at \(String(describing: prepared))")
            let result = try worker.run(argv: ["/bin/cat", "/proc/self/stat"])
            #expect(result.exitCode == 0, "\(result.err)")
            #expect(ProcStat.nice(result.out) == base, "tool stat: \(result.out), prepared at \(String(describing: prepared))")
        }
    }
}
