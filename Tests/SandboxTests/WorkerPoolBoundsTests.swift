#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Sandbox
import Synchronization
import TestSupport
import Testing

/// The warm pools' sizing with real `jcs-worker` processes and real sandboxes: a reserve grows
/// while calls find it empty and shrinks when they stop, the process-wide bound holds across
/// pools (the least recently used pool's workers are given up for a busy one), callers are
/// served beyond the bound, and nothing is left behind.
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .enabled(if: BuiltProducts.exists("jcs-worker"), "jcs-worker is not built (run scripts/test, which builds it)"),
    .serialized)
struct WorkerPoolBoundsTests {
    let worker = BuiltProducts.path("jcs-worker")

    /// Polls `condition` for up to 20 s (prepares are slow on a loaded 2-core machine).
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    private func pool(_ root: String, size: Int, maxSize: Int? = nil, preparers: WorkerPreparers) throws -> WorkerPool {
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        return WorkerPool(
            executable: worker, root: root, profile: profile, filter: try SeccompProgram(profile: profile), size: size,
            maxSize: maxSize, preparers: preparers)
    }

    @Test func aReserveGrowsWhileCallsFindItEmptyIsRefilledAndShrinksWhenTheyStop() throws {
        let project = TempDirectory()
        let preparers = WorkerPreparers(threads: 2, maxWarm: 16, shrinkAfterSeconds: 1)
        let pool = try pool(project.path, size: 1, maxSize: 3, preparers: preparers)
        try pool.waitUntilFull()
        #expect(pool.readyCount == 1)
        // Calls back to back, each holding its worker: the first takes the warm one, the next
        // find none (a prepare takes milliseconds) and grow the reserve, up to its bound.
        var held: [WorkerClient] = []
        while held.count < 10 && pool.reserveTarget < 3 { held.append(try pool.take()) }
        #expect(pool.reserveTarget == 3)
        #expect(held.count >= 3)
        // Refilled off the callers' path to the grown reserve, and not beyond it.
        #expect(eventually { pool.readyCount == 3 }, "ready \(pool.readyCount)")
        usleep(300_000)
        #expect(pool.readyCount == 3)
        // Each handed-out worker still runs its command.
        for (i, client) in held.enumerated() {
            let result = try client.run(argv: ["/bin/sh", "-c", "echo \(i)"])
            #expect(result.out == "\(i)\n")
        }
        held.removeAll()
        // No call finds it empty for a while: back to its idle size, the surplus discarded.
        #expect(eventually { pool.reserveTarget == 1 && pool.readyCount == 1 }, "reserve \(pool.reserveTarget), ready \(pool.readyCount)")
        pool.shutdown()
        // No pool left: the preparer threads end.
        #expect(eventually { preparers.liveThreads == 0 }, "\(preparers.liveThreads) preparer threads left")
    }

    @Test func theBoundHoldsAcrossPoolsAndTheLeastRecentlyUsedGiveUpTheirWorkers() throws {
        let roots = (0..<4).map { _ in TempDirectory() }
        let preparers = WorkerPreparers(threads: 2, maxWarm: 3, shrinkAfterSeconds: 60)
        let pools = try roots.map { try pool($0.path, size: 1, preparers: preparers) }
        defer { pools.forEach { $0.shutdown() } }
        // Four pools of one want four workers; the bound keeps three.
        #expect(eventually { preparers.held == 3 })
        usleep(500_000)
        #expect(preparers.held == 3)
        #expect(pools.map(\.readyCount).reduce(0, +) == 3)
        guard let cold = pools.firstIndex(where: { $0.readyCount == 0 }) else {
            Issue.record("every pool has a worker: \(pools.map(\.readyCount))")
            return
        }
        // A caller of the pool without one is served all the same (callers are not bounded by
        // the reserve budget) ...
        let result = try pools[cold].take().run(argv: ["/bin/true"])
        #expect(result.exitCode == 0)
        // ... and its reserve is then refilled by evicting an idle pool's worker, not beyond the bound.
        #expect(eventually { pools[cold].readyCount == 1 }, "ready \(pools.map(\.readyCount))")
        #expect(preparers.held <= 3)
        #expect(pools.map(\.readyCount).reduce(0, +) == 3)
        // The busy pool keeps its worker: the evicted pool cannot take it back.
        usleep(500_000)
        #expect(pools[cold].readyCount == 1)
    }

    @Test func idlePoolsBeyondTheBoundDoNotTakeTheBusyPoolsSlotsBack() throws {
        // One busy pool and three idle ones, a bound of two: the idle pools that lose their
        // worker (or never get one) wait for a call of their own. Before, every call of the busy
        // pool freed a slot an idle pool refilled, and the busy pool evicted it again: two
        // prepares and a discard per call.
        let roots = (0..<4).map { _ in TempDirectory() }
        let preparers = WorkerPreparers(threads: 2, maxWarm: 2, shrinkAfterSeconds: 60)
        let pools = try roots.map { try pool($0.path, size: 1, preparers: preparers) }
        defer { pools.forEach { $0.shutdown() } }
        #expect(eventually { preparers.held == 2 })
        let busy = pools[0]
        // Its first call makes it the most recently used pool (it may have been a parked one).
        #expect(try busy.take().run(argv: ["/bin/true"]).exitCode == 0)
        #expect(eventually { busy.readyCount == 1 && preparers.held == 2 }, "ready \(pools.map(\.readyCount))")
        let start = preparers.prepared
        let calls = 8
        for _ in 0..<calls {
            #expect(eventually { busy.readyCount == 1 && preparers.held == 2 }, "ready \(pools.map(\.readyCount))")
            #expect(try busy.take().run(argv: ["/bin/true"]).exitCode == 0)
        }
        #expect(eventually { busy.readyCount == 1 })
        let settled = preparers.prepared
        usleep(500_000)
        // Quiet once the busy pool is full again: nobody prepares for a slot it would lose.
        #expect(preparers.prepared == settled, "\(preparers.prepared - settled) prepares after the calls ended")
        #expect(preparers.held <= 2)
        // One prepare per call: the busy pool's own refills, nobody else's.
        #expect(settled - start <= UInt64(calls) + 1, "\(settled - start) prepares for \(calls) calls")
        // An idle pool's own call is served, and its reserve comes back (evicting the least
        // recently used).
        let idle = try #require(pools.dropFirst().first { $0.readyCount == 0 })
        #expect(try idle.take().run(argv: ["/bin/true"]).exitCode == 0)
        #expect(eventually { idle.readyCount == 1 }, "ready \(pools.map(\.readyCount))")
    }

    /// Callers that find no worker are served in the order they came: one preparer hands out
    /// its workers (pids rising) one by one, and each goes to the caller that waited longest,
    /// not to whichever woken thread wins the lock.
    @Test func callersAreServedInTheOrderTheyCame() throws {
        let project = TempDirectory()
        let preparers = WorkerPreparers(threads: 1, maxWarm: 16)
        let pool = try pool(project.path, size: 1, preparers: preparers)
        defer { pool.shutdown() }
        try pool.waitUntilFull()
        let callers = 6
        let pids = ServedPids()
        let done = DispatchGroup()
        for caller in 0..<callers {
            done.enter()
            Thread {
                defer { done.leave() }
                guard let worker = try? pool.take() else { return }
                pids.record(caller, worker.pid)
                _ = try? worker.run(argv: ["/bin/true"])
            }.start()
            // The next caller comes once this one is in line (or served already).
            #expect(eventually { pool.waitingCount + pids.count == caller + 1 })
        }
        done.wait()
        let served = (0..<callers).compactMap { pids.pid(of: $0) }
        #expect(served.count == callers)
        #expect(served == served.sorted(), "workers by caller: \(served)")
    }

    @Test func aCallerWaitsForAPrepareNotForever() throws {
        // A pool whose prepares fail: a caller gets the reason, the threads back off.
        let preparers = WorkerPreparers(threads: 2, maxWarm: 4)
        let broken = try pool("/nonexistent/jcs-pool-root", size: 1, preparers: preparers)
        let project = TempDirectory()
        let healthy = try pool(project.path, size: 1, preparers: preparers)
        defer {
            broken.shutdown()
            healthy.shutdown()
        }
        do {
            _ = try broken.take()
            Issue.record("a pool over a missing root handed out a worker")
        } catch {
            #expect(error.code == "invalid_root")
        }
        // The broken pool does not starve the healthy one.
        let result = try healthy.take().run(argv: ["/bin/true"])
        #expect(result.exitCode == 0)
    }
}

/// The worker each caller of `callersAreServedInTheOrderTheyCame` got, by caller.
private final class ServedPids: Sendable {
    private let pids = Mutex<[Int: pid_t]>([:])
    func record(_ caller: Int, _ pid: pid_t) { pids.withLock { $0[caller] = pid } }
    var count: Int { pids.withLock { $0.count } }
    func pid(of caller: Int) -> pid_t? { pids.withLock { $0[caller] } }
}
