#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// SIGTERM with a client following the event stream: the stream ends, the follower exits 0, the
/// daemon exits 0 and removes its socket, all without waiting out the shutdown deadline.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .tags(.reliability))
struct GracefulShutdownTests {
    @Test func sigtermEndsEventFollowersAndTheDaemonExitsCleanly() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let followed = fixture.directory.file("follow.out")
        let follower = try #require(
            spawnUnwaited(
                [BuiltProducts.path("jcs"), "events", "p1", "--follow", "--json", "--socket", fixture.daemon.socketPath],
                stdout: followed))

        // Calls until the follower has printed one (it may subscribe after the first call).
        var seen = false
        for _ in 0..<200 where !seen {
            _ = fixture.jcs("tool", "run", "p1", "fs.list", "--args", #"{"path":"."}"#)
            seen = (readTextFile(followed) ?? "").contains("\"tool.completed\"")
        }
        #expect(seen)
        let lines = (readTextFile(followed) ?? "").split(separator: "\n")
        #expect(lines.allSatisfy { (try? JSONParser.parse(String($0)))?["project_id"]?.stringValue == "p1" })

        let started = Self.nowMs()
        #expect(fixture.daemon.stop() == 0)
        var status: Int32 = 0
        while waitpid(follower, &status, 0) < 0 && errno == EINTR {}
        // The follower ends with the stream and says so: exit 3 (issue 13), not a silent 0.
        #expect(status == 3 << 8)
        // Well under the 10 s grace period: the stream ended on the shutdown signal itself.
        #expect(Self.nowMs() - started < 5_000)
        #expect(access(fixture.daemon.socketPath, F_OK) != 0)
    }

    private static func nowMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
