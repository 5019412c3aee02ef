#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// `notifications/cancelled` kills the sandbox of the `tools/call` it names, over both
/// transports; and over stdio a slow call does not hold up the client's other requests.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MCPCancellationTests {
    /// A call that would run for a minute; `marker` (its sleep's argument, unique per test since
    /// the tests run in parallel) finds its process on the host.
    static func slowCall(_ marker: String) -> String {
        #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"shell.run","arguments":{"argv":["sleep","\#(marker)"]}}}"#
    }
    static let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}}"#

    /// Until `condition` holds or `seconds` pass.
    static func eventually(seconds: Int, _ condition: () -> Bool) -> Bool {
        for _ in 0..<(seconds * 20) {
            if condition() { return true }
            var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            nanosleep(&pause, nil)
        }
        return condition()
    }

    @Test func aCancelledCallOverHTTPEndsAsCancelledAndLeavesNoProcess() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        let session = try #require(endpoint.initialize())
        let started = Timestamp.monotonicNs()
        let marker = "sleep\u{0}59.75"
        // A thread of its own, not a task: the blocking read must not wait for a cooperative
        // thread that other tests' blocking calls may be holding.
        let call = OffThread { () throws(SandboxError) -> RawHTTP.Answer? in endpoint.post(Self.slowCall("59.75"), session: session) }
        #expect(Self.eventually(seconds: 20) { !hostProcesses(containing: marker).isEmpty }, "the call never started")
        // Another session's cancel for the same request id must not reach it.
        let other = try #require(endpoint.initialize())
        #expect(endpoint.post(Self.cancel, session: other)?.status == 202)
        #expect(!hostProcesses(containing: marker).isEmpty, "a cancel from another session killed the call")

        #expect(endpoint.post(Self.cancel, session: session)?.status == 202)
        let answer = try #require(try call.value())
        #expect(Timestamp.monotonicNs() - started < 30_000_000_000)
        #expect(answer.json["id"] == 7)
        #expect(answer.json["result"]?["isError"] == true)
        #expect(answer.json["result"]?["structuredContent"]?["status"]?.stringValue == "cancelled", "\(answer.json)")
        #expect(Self.eventually(seconds: 10) { hostProcesses(containing: marker).isEmpty }, "the cancelled tool outlived its call")
    }

    @Test func overStdioASlowCallDoesNotBlockAndCanBeCancelled() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.startMCPProject("p1").status == 0)
        let (bridge, initialized) = try fixture.startMCPBridge(project: "p1")
        #expect(initialized["result"] != nil, "\(initialized)")
        bridge.send(Self.slowCall("59.5"))
        #expect(Self.eventually(seconds: 20) { !hostProcesses(containing: "sleep\u{0}59.5").isEmpty }, "the call never started")
        // The client's next request is answered while the call still runs.
        bridge.send(#"{"jsonrpc":"2.0","id":8,"method":"ping"}"#)
        let ping = try JSONParser.parse(try #require(bridge.readLine(), "no answer to ping"))
        #expect(ping["id"] == 8, "\(ping)")
        bridge.send(Self.cancel)
        let answer = try JSONParser.parse(try #require(bridge.readLine(), "no answer to the cancelled call"))
        #expect(answer["id"] == 7)
        #expect(answer["result"]?["structuredContent"]?["status"]?.stringValue == "cancelled", "\(answer)")
        #expect(bridge.finish() == 0)
    }
}
