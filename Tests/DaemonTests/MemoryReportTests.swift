#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// `GET /v1/memory` on a real daemon: the process as the kernel counts it, the journal's caches
/// against their bounds, and the results conversations keep, counted where they are kept.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MemoryReportTests {
    @Test func theDaemonAccountsForWhatItHolds() throws {
        let fixture = try DaemonFixture()
        let socket = fixture.daemon.socketPath
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let started = RawHTTP.send(
            socket: socket, method: "POST", target: "/v1/projects/p1/conversations", body: Array(#"{"id":"c1"}"#.utf8))
        #expect(started?.status == 201)
        for _ in 0..<3 {
            let call = RawHTTP.send(
                socket: socket, method: "POST", target: "/v1/projects/p1/tools/shell.run/run",
                body: Array(#"{"args":{"argv":["/bin/true"]},"conversation":"c1"}"#.utf8))
            #expect(call?.json["status"]?.stringValue == "completed")
        }
        let answer = try #require(RawHTTP.send(socket: socket, method: "GET", target: "/v1/memory", body: []))
        #expect(answer.status == 200)
        let memory = answer.json

        // The process: what /proc says about the daemon, within the time between the two reads.
        let resident = try #require(memory["process"]?["resident_bytes"]?.intValue)
        let anonymous = try #require(memory["process"]?["anonymous_bytes"]?.intValue)
        let file = try #require(memory["process"]?["file_bytes"]?.intValue)
        #expect(anonymous > 0 && file > 0 && resident >= anonymous)
        let pid = try #require(fixture.daemon.pid)
        let status = String(decoding: try POSIX.readBytes("/proc/\(pid)/status", limit: 1 << 16), as: UTF8.self)
        let vmRSS = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        #expect(abs(vmRSS * 1024 - resident) < 16 << 20, "daemon says \(resident) bytes, /proc says \(vmRSS) KiB")

        // The journal's caches: the daemon's bounds, and within them.
        let store = try #require(memory["store"])
        #expect(store["writer_cache_bound"] == 8_388_608 && store["reader_cache_bound"] == 2_097_152)
        let writerCache = try #require(store["writer_cache_bytes"]?.intValue)
        #expect(writerCache > 0 && writerCache <= 8_388_608 + (2 << 20))
        #expect((store["sqlite_heap_bytes"]?.intValue ?? 0) >= writerCache)

        // The conversation's three results, each at least its fixed share.
        #expect(memory["conversations"]?["count"] == 1)
        #expect(memory["conversations"]?["kept_results"] == 3)
        #expect((memory["conversations"]?["kept_result_bytes"]?.intValue ?? 0) >= 3 * 2048)
        #expect(memory["detached_calls"]?["count"] == 0)
        #expect(memory["detached_calls"]?["kept_result_bound"] == 67_108_864)
    }
}
