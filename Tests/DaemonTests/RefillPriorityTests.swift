#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Sandbox
import TestSupport
import Testing

/// The warm pool's refills in the real daemon, read back from the kernel: ahead of need they run
/// below the coordinator, the tools of every call run at its priority, and a coordinator that may
/// not take a nice value back down never lowers a refill (its tools would keep the lower one).
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .serialized)
struct RefillPriorityTests {
    /// Keeps every capability but the one that lets a thread raise its priority again.
    static let withoutSysNice = ["/usr/bin/setpriv", "--inh-caps", "-sys_nice", "--bounding-set", "-sys_nice", "--"]

    @Test(.enabled(if: PreparePriority.canRestore, "this process may not take a nice value back down, nor may a daemon it starts"))
    func refillsAheadOfNeedRunBelowTheCoordinatorAndEveryToolRunsAtIt() throws {
        let fixture = try DaemonFixture()
        let daemon = try #require(fixture.daemon.pid)
        let base = try #require(ProcStat.nice(of: daemon))
        try #require(base + PreparePriority.increment <= 19, "the daemon already runs at nice \(base)")
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        var lowered = false
        // Bursts of concurrent calls find the reserve empty and grow it; its refills beyond the
        // first worker are ahead of need.
        for _ in 0..<5 where !lowered {
            for nice in try Self.burst(fixture, calls: 8) { #expect(nice == base, "a tool ran at nice \(nice), the daemon at \(base)") }
            lowered = MCPCancellationTests.eventually(seconds: 5) { Self.workers(of: daemon).contains(base + PreparePriority.increment) }
        }
        #expect(lowered, "no warm worker at nice \(base + PreparePriority.increment): \(Self.workers(of: daemon))")
        // The refills already at the lower priority hand their tools the daemon's.
        for nice in try Self.burst(fixture, calls: 8) { #expect(nice == base, "a tool ran at nice \(nice), the daemon at \(base)") }
    }

    @Test(.enabled(if: access("/usr/bin/setpriv", X_OK) == 0, "setpriv (util-linux) is not installed: cannot start a daemon without CAP_SYS_NICE"))
    func aCoordinatorThatMayNotRaiseANiceValueAgainKeepsEveryRefillAtItsOwn() throws {
        let fixture = try DaemonFixture(launcher: Self.withoutSysNice)
        let daemon = try #require(fixture.daemon.pid)
        let base = try #require(ProcStat.nice(of: daemon))
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        var seen: Set<Int32> = []
        var most = 0
        for _ in 0..<5 {
            for nice in try Self.burst(fixture, calls: 8) { #expect(nice == base, "a tool ran at nice \(nice), the daemon at \(base)") }
            // Sampled while the grown reserve refills: the workers the other test finds lowered.
            for _ in 0..<20 {
                let workers = Self.workers(of: daemon)
                seen.formUnion(workers)
                most = max(most, workers.count)
                usleep(25_000)
            }
        }
        // More than one warm worker: refills ran while the pool held a ready one.
        #expect(most >= 2, "the reserve never grew: at most \(most) worker(s)")
        #expect(seen == [base], "warm workers' nice values \(seen), the daemon's \(base)")
    }

    // MARK: - Helpers

    /// Runs `calls` `shell.run`s at once through `jcs tool run`, each printing its tool's
    /// `/proc/self/stat`, and returns the nice values the tools ran at.
    static func burst(_ fixture: DaemonFixture, calls: Int) throws -> [Int32] {
        var running: [(pid: pid_t, out: String)] = []
        for i in 0..<calls {
            let out = fixture.directory.file("call-\(i).json")
            let argv = [
                BuiltProducts.path("jcs"), "tool", "run", "p1", "shell.run", "--args", #"{"argv":["cat","/proc/self/stat"]}"#,
                "--json", "--socket", fixture.daemon.socketPath,
            ]
            guard let pid = spawnUnwaited(argv, stdout: out) else {
                throw DaemonProcess.Failure(description: "posix_spawn \(argv[0]) failed")
            }
            running.append((pid, out))
        }
        // Every call is reaped before any answer is read, so a bad one leaves no child behind.
        for call in running {
            var status: Int32 = 0
            while waitpid(call.pid, &status, 0) < 0 && errno == EINTR {}
        }
        return try running.map { call in
            let answer = try JSONParser.parse(readTextFile(call.out) ?? "")
            guard let stat = answer["output"]?["stdout"]?.stringValue, let nice = ProcStat.nice(stat) else {
                throw DaemonProcess.Failure(description: "call without a stat line: \(answer)")
            }
            return nice
        }
    }

    /// The nice values of the daemon's `jcs-worker` children, one per worker, read from `/proc`.
    static func workers(of daemon: pid_t) -> [Int32] {
        var nices: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), let stat = readTextFile("/proc/\(pid)/stat"),
                stat.contains("(jcs-worker)"), ProcStat.parent(stat) == daemon, let nice = ProcStat.nice(stat)
            else { continue }
            nices.append(nice)
        }
        return nices
    }
}
