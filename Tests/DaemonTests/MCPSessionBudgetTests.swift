#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 11, finding 6: MCP sessions were 1,024 for all tenants together; one tenant's flood of
/// `initialize` evicted another's session, whose cancel then failed and whose call ran on. Now
/// they are budgeted per project, a session with a call in flight is never evicted, and a refusal
/// names the budget. A real daemon, real sandboxed calls.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct MCPSessionBudgetTests {
    static func slowCall(id: Int, marker: String) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"shell.run","arguments":{"argv":["sleep","\#(marker)"]}}}"#
    }

    @Test func aFloodOfInitializeEvictsNeitherAnotherTenantsSessionNorABusyOne() throws {
        let fixture = try DaemonFixture(config: ["limits": ["max_mcp_sessions_per_project": 2, "max_mcp_sessions": 8]])
        #expect(fixture.startMCPProject("p1").status == 0)
        #expect(fixture.startMCPProject("p2").status == 0)
        let victim = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        let flood = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p2")

        // The victim's session, with a call in flight.
        let session = try #require(victim.initialize())
        let marker = "58.25"
        let call = OffThread { () throws(SandboxError) -> RawHTTP.Answer? in
            victim.post(Self.slowCall(id: 7, marker: marker), session: session)
        }
        #expect(MCPCancellationTests.eventually(seconds: 20) { !hostProcesses(containing: "sleep\u{0}\(marker)").isEmpty })

        // Another tenant floods its own project: it only ever pushes out its own sessions.
        for _ in 0..<200 { #expect(flood.initialize() != nil) }
        // The victim's project itself is flooded too (its other client): the busy session stays,
        // the idle ones go, and once only the busy one and one more are left the budget refuses.
        var refusals: [RawHTTP.Answer] = []
        var issued = 0
        for index in 0..<20 {
            let answer = try #require(victim.request(100 + index, "initialize", ["protocolVersion": "2025-06-18", "capabilities": [:]]))
            if answer.headers["mcp-session-id"] != nil { issued += 1 } else { refusals.append(answer) }
        }
        #expect(issued == 20, "an idle session of p1 can always go: \(refusals.first?.json ?? .null)")

        // The victim's session still exists and its cancel still reaches its call.
        #expect(victim.request(9, "ping", session: session)?.status == 200, "the busy session was evicted")
        let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}}"#
        #expect(victim.post(cancel, session: session)?.status == 202)
        let answer = try #require(try call.value())
        #expect(answer.json["result"]?["structuredContent"]?["status"]?.stringValue == "cancelled", "\(answer.json)")
        #expect(MCPCancellationTests.eventually(seconds: 10) { hostProcesses(containing: "sleep\u{0}\(marker)").isEmpty })
    }

    @Test func whenEverySessionIsBusyInitializeIsRefusedNamingTheBudget() throws {
        let fixture = try DaemonFixture(config: ["limits": ["max_mcp_sessions_per_project": 2]])
        #expect(fixture.startMCPProject("p1").status == 0)
        let endpoint = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        let first = try #require(endpoint.initialize())
        let second = try #require(endpoint.initialize())
        let calls = [(first, "57.25"), (second, "57.5")].map { session, marker in
            OffThread { () throws(SandboxError) -> RawHTTP.Answer? in endpoint.post(Self.slowCall(id: 7, marker: marker), session: session) }
        }
        #expect(MCPCancellationTests.eventually(seconds: 20) {
            !hostProcesses(containing: "sleep\u{0}57.25").isEmpty && !hostProcesses(containing: "sleep\u{0}57.5").isEmpty
        })
        let refused = try #require(endpoint.request(1, "initialize", ["protocolVersion": "2025-06-18", "capabilities": [:]]))
        #expect(refused.status == 429)
        #expect(refused.headers["mcp-session-id"] == nil)
        #expect(refused.json["error"]?["code"]?.intValue == -32003, "\(refused.json)")
        #expect(refused.json["error"]?["data"]?["budget"]?.stringValue == "limits.max_mcp_sessions_per_project", "\(refused.json)")
        let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}"#
        for session in [first, second] { #expect(endpoint.post(cancel, session: session)?.status == 202) }
        for call in calls { _ = try call.value() }
        // Idle again: a new session is issued (one of them goes).
        #expect(endpoint.initialize() != nil)
    }
}
