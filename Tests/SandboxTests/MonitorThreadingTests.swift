#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// The monitor clones sandboxes from a multi-threaded process (the coordinator, the CLI's
/// background compile). The child is a copy holding one thread: nothing between clone and
/// execve may wait on another thread (glibc's setresuid once did, and hung).
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct MonitorThreadingTests {
    final class Churn: @unchecked Sendable {
        var stop = false
    }

    @Test func sandboxesStartWhileOtherThreadsComeAndGo() throws {
        let churn = Churn()
        var churner = pthread_t()
        let context = Unmanaged.passRetained(churn).toOpaque()
        pthread_create(&churner, nil, { raw in
            let churn = Unmanaged<Churn>.fromOpaque(raw!).takeRetainedValue()
            while !churn.stop {
                var t = pthread_t()
                pthread_create(&t, nil, { _ in nil }, nil)
                pthread_join(t, nil)
            }
            return nil
        }, context)
        defer {
            churn.stop = true
            pthread_join(churner, nil)
        }
        let h = try SandboxHarness { $0.limits.timeoutMs = 5000 }
        for _ in 0..<30 {
            let r = try h.run(["/bin/true"])
            #expect(r.exitCode == 0 && !r.timedOut)
        }
    }

    @Test func concurrentSandboxesFromSeveralThreadsStayApart() async throws {
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<6 {
                group.addTask {
                    let h = try SandboxHarness()
                    h.project.write("id", "project-\(i)\n")
                    let r = try h.sh("cat id; ls /workspace | wc -l")
                    return (i, r.out)
                }
            }
            var out: [(Int, String)] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(results.count == 6)
        for (i, out) in results {
            #expect(out == "project-\(i)\n1\n", "sandbox \(i) saw \(out)")
        }
    }
}
