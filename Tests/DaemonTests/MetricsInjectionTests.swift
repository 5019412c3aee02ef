#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 11, finding 4: a tool name a caller invents (MCP `tools/call`) must not break `/metrics`.
/// It carried `\r\n`, or `"` followed by a combining mark (one Swift `Character`, two bytes to
/// Prometheus), past the per-character escaping; the scrape failed and every tenant's alerting
/// went dark. Real calls on a real daemon, then the scrape parsed strictly, byte by byte.
@Suite
struct MetricsInjectionTests {
    static let hostile = [
        "evil\r\njcs_up 0",
        "q\"\u{301}} 1\njcs_up{x=\"",
        "back\\slash\u{7f}\u{0}",
    ]

    @Test func inventedToolNamesNeitherBreakTheScrapeNorBecomeLabels() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let mcp = MCPEndpoint(socket: fixture.daemon.socketPath, project: "p1")
        for (index, name) in Self.hostile.enumerated() {
            let answer = mcp.request(index + 1, "tools/call", ["name": .string(name), "arguments": [:]])
            #expect(answer?.status == 200, "tools/call \(index)")
            #expect(answer?.json["result"]?["isError"]?.boolValue == true, "\(String(describing: answer?.json))")
        }
        // Also through the plain API, where the name is a path segment.
        let plain = RawHTTP.send(socket: fixture.daemon.socketPath, method: "POST", target: "/v1/projects/p1/tools/made.up/run", body: [])
        #expect(plain?.json["reason"]?.stringValue == "unknown_tool", "\(String(describing: plain?.json))")

        // The collector is fed from the hub's stream: poll (bounded) until the four calls are in.
        var parsed: PrometheusExposition?
        var lastError = ""
        for _ in 0..<100 {
            let answer = try #require(RawHTTP.getText(socket: fixture.daemon.socketPath, target: "/metrics"))
            #expect(answer.status == 200)
            do {
                let metrics = try PrometheusExposition(parsing: answer.body)
                let counted = metrics.samples("jcs_tool_duration_seconds_count", ["project": "p1"]).reduce(0) { $0 + $1.value }
                if counted >= 4 {
                    parsed = metrics
                    break
                }
            } catch {
                lastError = "\(error)"
                break
            }
            usleep(100_000)
        }
        let metrics = try #require(parsed, "the scrape did not parse strictly or never counted the calls: \(lastError)")
        // Every invented name is one value, `other`; none of them became a label.
        let tools = Set(metrics.samples("jcs_tool_duration_seconds_count").compactMap { $0.labels["tool"] })
        #expect(tools == ["other"], "tool labels: \(tools)")
        #expect(metrics.value("jcs_tool_duration_seconds_count", ["project": "p1", "tool": "other", "status": "failed"]) == 4)
        #expect(metrics.samples("jcs_up").count == 1 && metrics.value("jcs_up") == 1, "an injected jcs_up sample")
    }

    @Test func projectIdsWithQuotesNeverBecomeLabels() throws {
        let fixture = try DaemonFixture()
        // A project id is a label: one with a quote, a backslash or a combining mark is refused
        // at start (`ProjectIdRule`), so it never reaches the exposition.
        let id = "q\"\u{301}x\\y"
        let started = fixture.jcs("project", "start", fixture.projectRoot, "--id", id)
        #expect(started.status == 1 && started.json["field"] == "id", "\(started.json)")
        let answer = try #require(RawHTTP.getText(socket: fixture.daemon.socketPath, target: "/metrics"))
        let metrics = try PrometheusExposition(parsing: answer.body)
        #expect(metrics.value("jcs_project_healthy", ["project": id]) == nil)
    }
}
