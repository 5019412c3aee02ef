#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Issue 11, finding 5: the across-projects timeout alert names several projects and cites their
/// events; it was filed under whichever project tipped it, so that tenant read another project's
/// id and correlation ids in its own alerts, events and diagnostics. Two tenants' scoped tokens
/// on the TCP listener of a real daemon, real timeouts in both projects.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct TenantAlertIsolationTests {
    static let secretA = "tenant-a-secret-0123456789ab"
    static let secretB = "tenant-b-secret-0123456789ab"
    static let secretOps = "ops-secret-0123456789abcdef0"

    @Test func theAcrossProjectsAlertIsReadOnlyWithAnAllProjectsToken() throws {
        let token = { (name: String, secret: String, projects: JSONValue) -> JSONValue in
            ["name": .string(name), "sha256": .string(SHA256.hexDigest(Array(secret.utf8))), "projects": projects]
        }
        let config: JSONValue = [
            "tcp": [
                "listen": "127.0.0.1:0",
                "tokens": [token("a", Self.secretA, ["pa"]), token("b", Self.secretB, ["pb"]), token("ops", Self.secretOps, ["*"])],
            ]
        ]
        let fixture = try DaemonFixture(config: config)
        let port = try fixture.tcpPort()
        for id in ["pa", "pb"] {
            _ = system2(["/bin/mkdir", "-p", fixture.directory.file(id)])
            let r = fixture.jcs(
                "project", "start", fixture.directory.file(id), "--id", id, "--option", "tool_timeout_alert_threshold=1")
            #expect(r.status == 0, "\(r.json) \(r.stderr)")
        }
        // One timeout in each project: each raises security.repeated_timeout_failures, and the
        // second (pb) tips the across-projects alert.
        for (id, secret) in [("pa", Self.secretA), ("pb", Self.secretB)] {
            let answer = RawHTTP.send(
                port: port, method: "POST", target: "/v1/projects/\(id)/tools/shell.run/run",
                headers: [("Authorization", "Bearer \(secret)")],
                body: Array(#"{"args":{"argv":["sleep","30"],"timeout_ms":300},"correlation_id":"corr-\#(id)-secret"}"#.utf8))
            #expect(answer?.json["status"]?.stringValue == "timeout", "\(id): \(String(describing: answer?.json))")
        }
        // The operator sees the host-wide alert, filed under `*`, naming both projects.
        var hostAlert: JSONValue?
        for _ in 0..<100 where hostAlert == nil {
            let all = RawHTTP.send(port: port, method: "GET", target: "/v1/alerts", headers: [("Authorization", "Bearer \(Self.secretOps)")])
            hostAlert = all?.json["alerts"]?.arrayValue?.first { $0["rule"]?.stringValue == "repeated_timeout_failures_across_projects" }
            if hostAlert == nil { usleep(100_000) }
        }
        let alert = try #require(hostAlert, "no across-projects alert for the all-projects token")
        #expect(alert["project_id"]?.stringValue == "*")
        #expect(alert["summary"]?.stringValue?.contains("pa") == true && alert["summary"]?.stringValue?.contains("pb") == true)

        // Each tenant's views hold nothing of the other project: alerts, events, diagnostics.
        for (own, other, secret) in [("pa", "pb", Self.secretA), ("pb", "pa", Self.secretB)] {
            let auth = [("Authorization", "Bearer \(secret)")]
            let alerts = try #require(RawHTTP.send(port: port, method: "GET", target: "/v1/alerts?project=\(own)", headers: auth))
            #expect(alerts.status == 200)
            let rules = (alerts.json["alerts"]?.arrayValue ?? []).compactMap { $0["rule"]?.stringValue }
            #expect(rules.contains("repeated_timeout_failures"), "\(own): its own page is there: \(rules)")
            #expect(!rules.contains("repeated_timeout_failures_across_projects"), "\(own): \(rules)")
            for target in ["/v1/alerts?project=\(own)", "/v1/projects/\(own)/events", "/v1/projects/\(own)/diagnostics"] {
                let answer = try #require(RawHTTP.send(port: port, method: "GET", target: target, headers: auth))
                #expect(answer.status == 200, "\(target)")
                #expect(!answer.text.contains("\"\(other)\"") && !answer.text.contains("corr-\(other)-secret"),
                        "\(own)'s \(target) shows project \(other): \(answer.text.prefix(2000))")
                #expect(!answer.text.contains("across \\d"), "\(target)")
            }
            // The host scope is not a project a scoped token reaches.
            let host = RawHTTP.send(port: port, method: "GET", target: "/v1/alerts?project=*", headers: auth)
            #expect(host?.status == 403, "\(own): /v1/alerts?project=* → \(String(describing: host?.status))")
        }
    }
}
