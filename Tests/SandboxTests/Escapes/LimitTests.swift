#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Every limit is enforced by the kernel and comes back as data: `limit_fired`, `limits_fired`
/// and a `limit_exceeded` violation. Nothing of the tool survives on the host.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct LimitTests {
    @Test func timeoutKillsGrandchildrenAndDoubleForkedDaemons() throws {
        let marker = "9\(getpid())1.5"  // an unusual sleep duration to find the processes by
        let h = try SandboxHarness { $0.limits.timeoutMs = 800 }
        let before = hostProcesses(containing: marker)
        #expect(before.isEmpty)
        let r = try h.sh(
            "sleep \(marker) & (setsid sleep \(marker) &); nohup sleep \(marker) >/dev/null 2>&1 & "
                + "(sh -c 'sleep \(marker) &' &); sleep \(marker)")
        #expect(r.timedOut)
        #expect(r.limitFired == .timeout)
        #expect(r.shellStatus == 124)
        #expect(r.durationMs >= 800 && r.durationMs < 5000)
        #expect(!r.violations(kind: "limit_exceeded").filter { $0.limit == "timeout" }.isEmpty)
        #expect(hostProcesses(containing: marker).isEmpty, "processes of the tool survived the timeout")
    }

    @Test func forkBombIsCappedAndReported() throws {
        let h = try SandboxHarness { p in
            p.limits.maxProcs = 24
            p.limits.timeoutMs = 3000
        }
        let r = try h.probe("forks")
        // The probe forks until refused; the pids limit refuses (init and the probe count too).
        #expect(r.out.hasPrefix("forks="), "\(r.out) \(r.err)")
        let forks = Int(r.out.dropFirst(6).prefix { $0.isNumber }) ?? -1
        #expect(forks > 0 && forks <= 24, "\(forks) forks")
        #expect(r.limitsFired.contains(.pids))
        #expect(r.limitFired == .pids)
        #expect(!r.violations(kind: "limit_exceeded").filter { $0.limit == "pids" }.isEmpty)
    }

    @Test func shellForkBombDiesWithTheSandbox() throws {
        let h = try SandboxHarness { p in
            p.limits.maxProcs = 32
            p.limits.timeoutMs = 1500
        }
        let marker = "bomb\(getpid())"
        let r = try h.sh("\(marker)() { \(marker) | \(marker) & }; \(marker); sleep 60")
        #expect(r.limitsFired.contains(.pids))
        #expect(r.limitsFired.contains(.timeout))
        #expect(hostProcesses(containing: marker).isEmpty)
    }

    @Test func memoryBombIsKilledAndReported() throws {
        let h = try SandboxHarness { $0.limits.memoryMB = 64 }
        let r = try h.probe("memory", "512")
        #expect(r.signal == Int(SIGKILL), "\(r.out) \(r.err)")
        #expect(r.limitFired == .memory)
        #expect(!r.violations(kind: "limit_exceeded").filter { $0.limit == "memory" }.isEmpty)
    }

    @Test func outputFloodIsCappedAndKilled() throws {
        let h = try SandboxHarness { $0.limits.maxOutputBytes = 4096 }
        let r = try h.run(["/usr/bin/yes", "flood"])
        #expect(r.stdout.count == 4096)
        #expect(r.stdoutTruncated)
        #expect(!r.stderrTruncated)
        #expect(r.limitFired == .output)
        #expect(r.signal == Int(SIGKILL))
    }

    @Test func fileSizeLimitStopsADiskFill() throws {
        let h = try SandboxHarness { $0.limits.fileSizeMB = 1 }
        let r = try h.run(["/bin/dd", "if=/dev/zero", "of=/workspace/fill", "bs=64k", "count=1000"])
        #expect(r.signal == Int(SIGXFSZ))
        #expect(r.limitFired == .fileSize)
        var st = stat()
        #expect(stat(h.project.file("fill"), &st) == 0)
        #expect(st.st_size <= 1 << 20)
    }

    @Test func cpuLimitIsReported() throws {
        let h = try SandboxHarness { p in
            p.limits.cpuSeconds = 1
            p.limits.timeoutMs = 10000
        }
        let r = try h.sh("while :; do :; done")
        #expect(r.signal == Int(SIGXCPU))
        #expect(r.limitFired == .cpu)
    }

    @Test func aToolThatExitsNormallyFiresNoLimit() throws {
        let h = try SandboxHarness()
        let r = try h.sh("echo out; echo err >&2; exit 3")
        #expect(r.exitCode == 3)
        #expect(r.out == "out\n" && r.err == "err\n")
        #expect(r.limitFired == nil && r.limitsFired.isEmpty && r.violations.isEmpty)
        #expect(r.profileName == "default" && r.profileSHA256 == h.profile.sha256)
    }
}
