#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import Synchronization
import TestSupport
import Testing

/// The journal's promise end to end, on the real `jcs-coordinator serve`: what the daemon
/// acknowledged survives a SIGKILL mid-load, and a restart on the same data directory brings the
/// project and its conversations back; a store that cannot write answers 503 and says so in health.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .tags(.reliability))
struct DaemonCrashTests {
    private static func post(_ socket: String, _ target: String, _ body: JSONValue) -> RawHTTP.Answer? {
        RawHTTP.send(socket: socket, method: "POST", target: target, body: Array(JSONWriter.text(body).utf8))
    }

    private static func get(_ socket: String, _ target: String) -> RawHTTP.Answer? {
        RawHTTP.send(socket: socket, method: "GET", target: target, body: [])
    }

    /// What one client had acknowledged: correlation id → call id (tool calls) or "" (messages).
    private final class Acknowledged: Sendable {
        let calls = Mutex<[String: String]>([:])
        let messages = Mutex<Set<String>>([])
        let stop = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        var count: Int { calls.withLock { $0.count } + messages.withLock { $0.count } }
    }

    @Test func everyAcknowledgedCallAndMessageSurvivesASIGKILLUnderConcurrentLoad() throws {
        let fixture = try DaemonFixture()
        let socket = fixture.daemon.socketPath
        #expect(Self.post(socket, "/v1/projects", ["root": .string(fixture.projectRoot), "id": "p1"])?.status == 201)
        #expect(Self.post(socket, "/v1/projects/p1/conversations", ["id": "c1"])?.status == 201)
        #expect(Self.post(socket, "/v1/projects/p1/conversations", ["id": "c-stopped"])?.status == 201)
        #expect(Self.post(socket, "/v1/projects/p1/conversations/c-stopped/messages", ["text": "before", "correlation_id": "s1"])?.status == 201)
        #expect(RawHTTP.send(socket: socket, method: "DELETE", target: "/v1/projects/p1/conversations/c-stopped", body: [])?.status == 200)

        let acknowledged = Acknowledged()
        let clients = 4
        for client in 0..<clients {
            DetachedThread.start(stackSize: nil) {
                var n = 0
                while !acknowledged.stop.load(ordering: .acquiring) {
                    n += 1
                    let correlation = "t\(client)-\(n)"
                    if n % 2 == 0 {
                        let answer = Self.post(
                            socket, "/v1/projects/p1/conversations/c1/messages", ["text": .string("hello \(n)"), "correlation_id": .string(correlation)])
                        if answer?.status == 201 { acknowledged.messages.withLock { _ = $0.insert(correlation) } }
                    } else {
                        let answer = Self.post(
                            socket, "/v1/projects/p1/tools/shell.run/run",
                            ["args": ["argv": ["echo", .string("\(n)")]], "conversation": "c1", "correlation_id": .string(correlation)])
                        if answer?.status == 200, answer?.json["status"] == "completed",
                            let call = answer?.json["call_id"]?.stringValue
                        {
                            acknowledged.calls.withLock { $0[correlation] = call }
                        }
                    }
                }
                acknowledged.finished.add(1, ordering: .releasing)
            }
        }
        // Mid-load: the clients keep sending while the daemon dies.
        var waited = 0
        while acknowledged.count < 40 && waited < 6000 {
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            nanosleep(&pause, nil)
            waited += 1
        }
        let pid = try #require(fixture.daemon.pid)
        kill(pid, SIGKILL)
        acknowledged.stop.store(true, ordering: .releasing)
        fixture.daemon.stop()
        while acknowledged.finished.load(ordering: .acquiring) < clients {
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            nanosleep(&pause, nil)
        }
        let calls = acknowledged.calls.withLock { $0 }
        let messages = acknowledged.messages.withLock { $0 }
        #expect(calls.count + messages.count >= 40, "the load did not get going before the kill")

        try fixture.daemon.start()
        let projects = Self.get(socket, "/v1/projects")?.json["projects"]?.arrayValue ?? []
        #expect(projects.map { $0["id"] } == ["p1"])
        #expect(projects.first?["status"] == "running")
        // The open conversation is back and takes input; the stopped one stays readable.
        let state = Self.get(socket, "/v1/projects/p1/conversations/c1")
        #expect(state?.status == 200)
        #expect(state?.json["state"] == "active")
        #expect(state?.json["pending_calls"]?.arrayValue?.isEmpty == true, "calls cut off by the kill are recorded as cancelled, not left pending")
        #expect(Self.post(socket, "/v1/projects/p1/conversations/c1/messages", ["text": "after"])?.status == 201)
        let stopped = Self.get(socket, "/v1/projects/p1/conversations/c-stopped/incident?correlation_id=s1")?.json
        #expect(stopped?["entries"]?.arrayValue?.contains { $0["event"] == "conversation.user.message" } == true)

        for (correlation, call) in calls {
            let timeline = Self.get(socket, "/v1/projects/p1/conversations/c1/incident?correlation_id=\(correlation)")?.json
            let entries = timeline?["entries"]?.arrayValue ?? []
            let events = Set(entries.compactMap { $0["event"]?.stringValue })
            #expect(events.isSuperset(of: ["conversation.tool_requested", "tool.completed"]), "\(correlation)")
            // The call's end is one row: its ending, which is the conversation's journal entry.
            let endings = entries.filter { $0["event"] == "tool.completed" }
            #expect(endings.count == 1, "\(correlation)")
            #expect(endings.first?["source"] == "journal" && endings.first?["payload"]?["call_id"]?.stringValue == call)
            // The same request's timeline without naming the conversation.
            let across = Self.get(socket, "/v1/projects/p1/incident?correlation_id=\(correlation)")?.json
            #expect(across?["total_entries"] == timeline?["total_entries"], "\(correlation)")
        }
        for correlation in messages {
            let entries = Self.get(socket, "/v1/projects/p1/conversations/c1/incident?correlation_id=\(correlation)")?.json["entries"]?.arrayValue ?? []
            #expect(entries.contains { $0["event"] == "conversation.user.message" }, "\(correlation)")
        }
        // Counts the runbook reads come back from the journal, not from zero.
        let diagnostics = Self.get(socket, "/v1/projects/p1/diagnostics")?.json
        let completed = diagnostics?["telemetry"]?["event_counts"]?["tool.completed"]?.intValue ?? 0
        #expect(completed >= calls.count, "event counts after the restart: \(completed)")
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs for the data directory needs root"))
    func aStoreThatCannotWriteAnswers503AndDegradesHealth() throws {
        var mounted = ""
        let fixture = try DaemonFixture { directory in
            let data = directory.file("data")
            _ = system2(["/bin/mkdir", "-p", data])
            if system2(["/bin/mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", data]) == 0 { mounted = data }
        }
        defer {
            fixture.daemon.stop()
            if !mounted.isEmpty { _ = system2(["/bin/umount", "-l", mounted]) }
        }
        try #require(!mounted.isEmpty, "mount -t tmpfs failed")
        let socket = fixture.daemon.socketPath
        #expect(Self.post(socket, "/v1/projects", ["root": .string(fixture.projectRoot), "id": "p1"])?.status == 201)
        #expect(Self.post(socket, "/v1/projects/p1/conversations", ["id": "c1"])?.status == 201)
        #expect(Self.get(socket, "/v1/health")?.json["status"] == "ok")

        // Fill the file system, then write until the journal needs a page it cannot get.
        _ = system2(["/bin/sh", "-c", "dd if=/dev/zero of='\(mounted)/fill' bs=64k 2>/dev/null; true"])
        let text = JSONValue.string(String(repeating: "x", count: 60_000))
        var refused: RawHTTP.Answer?
        for n in 0..<400 {
            let answer = Self.post(socket, "/v1/projects/p1/conversations/c1/messages", ["text": text, "correlation_id": .string("f\(n)")])
            if answer?.status != 201 {
                refused = answer
                break
            }
        }
        let answer = try #require(refused, "the journal never refused a write on a full file system")
        #expect(answer.status == 503)
        #expect(answer.json["error"] == "store_unavailable")
        let health = Self.get(socket, "/v1/health")?.json
        #expect(health?["status"] == "degraded")
        #expect(health?["store"]?["reason"]?.stringValue?.isEmpty == false)

        // Room again: the next write commits and health recovers.
        unlink(mounted + "/fill")
        #expect(Self.post(socket, "/v1/projects/p1/conversations/c1/messages", ["text": "again"])?.status == 201)
        #expect(Self.get(socket, "/v1/health")?.json["status"] == "ok")
    }
}
