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
    .enabled(if: PreparePriority.canRestore, "this process may not raise a nice value again (no CAP_SYS_NICE, RLIMIT_NICE too low), so refills keep the coordinator's priority"),
    .serialized)
struct PreparePriorityTests {
    private func nice(_ pid: pid_t) -> Int32? {
        errno = 0
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid))
        return value == -1 && errno != 0 ? nil : value
    }

    /// The nice value (field 19) of a `/proc/<pid>/stat` line; the command name may hold spaces
    /// and parentheses, so fields are counted after the last ')'.
    private func niceField(ofStat stat: String) -> Int32? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ')': state is field 3, so nice (field 19) is the 17th.
        return fields.count > 16 ? Int32(fields[16]) : nil
    }

    @Test func aRefillIsPreparedBelowTheCoordinatorAndItsToolRunsAtIt() throws {
        let base = try #require(nice(getpid()))
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
        let nices = workers.map { nice($0.pid) }
        #expect(nices.contains(base), "worker nices \(nices), base \(base)")
        #expect(nices.contains(base + PreparePriority.increment), "worker nices \(nices), base \(base)")
        for (worker, prepared) in zip(workers, nices) {
            // The sandbox's init was started by the worker, at the worker's priority.
            if let initPid = worker.ready?.pid { #expect(nice(pid_t(initPid)) == prepared) }
            let result = try worker.run(argv: ["/bin/cat", "/proc/self/stat"])
            #expect(result.exitCode == 0, "\(result.err)")
            #expect(niceField(ofStat: result.out) == base, "tool stat: \(result.out), prepared at \(String(describing: prepared))")
        }
    }
}
