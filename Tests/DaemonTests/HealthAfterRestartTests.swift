import Sandbox
import TestSupport
import Testing

/// The runbook's recovery step through the real daemon: after a sandbox violation the project is
/// degraded and says why; caller mistakes degrade nothing; `jcs project stop` + `jcs project
/// start` gives a healthy project at once (diagnostics, `jcs_project_healthy`, no active alert),
/// with the earlier errors still counted and marked `before_restart`; a stopped project's series
/// leave `/metrics`.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct HealthAfterRestartTests {
    @Test func restartAndVerifyHealthyBaseline() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)

        // Caller mistakes: errors for triage, health stays ok, nothing pages.
        let unknown = fixture.jcs("tool", "run", "p1", "no.such.tool")
        #expect(unknown.json["reason"]?.stringValue == "unknown_tool", "\(unknown.json)")
        let invalid = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"nope":1}"#)
        #expect(invalid.json["reason"]?.stringValue == "invalid_arguments", "\(invalid.json)")
        var diagnostics = fixture.jcs("diagnostics", "p1").json
        #expect(diagnostics["health"]?["status"]?.stringValue == "ok", "\(diagnostics["health"] ?? .null)")
        #expect((diagnostics["telemetry"]?["recent_errors"]?.arrayValue?.count ?? 0) >= 2)
        #expect(fixture.jcs("alerts", "p1").json["alerts"]?.arrayValue?.isEmpty == true)

        // A path outside the root: a sandbox violation, refused by the policy before any sandbox
        // ran. Degraded, and the health says why and until when.
        let escape = fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":"../outside.txt"}"#, "--correlation-id", "esc-1")
        #expect(escape.json["reason"]?.stringValue == "policy_denied")
        diagnostics = fixture.jcs("diagnostics", "p1").json
        let health = diagnostics["health"] ?? .null
        #expect(health["status"]?.stringValue == "degraded")
        #expect(health["reasons"]?[0]?["event"]?.stringValue == "security.sandbox_violation", "\(health)")
        #expect(health["reasons"]?[0]?["count"]?.intValue == 1)
        #expect(health["degraded_until"]?.stringValue != nil)
        #expect(health["summary"]?.stringValue?.contains("1 security.sandbox_violation") == true)
        let alert = try #require(fixture.jcs("alerts", "p1").json["alerts"]?.arrayValue?.first { $0["rule"] == "sandbox_violation" })
        #expect(alert["severity"]?.stringValue == "page")
        #expect(alert["escalation"]?.stringValue == "none", "refused before any sandbox ran: no immediate escalation")
        let evidence = alert["evidence"]?[0] ?? .null
        #expect(evidence["project_id"]?.stringValue == "p1")
        #expect(evidence["correlation_id"]?.stringValue == "esc-1")
        #expect(evidence["call_id"]?.stringValue?.isEmpty == false, "\(evidence)")
        #expect(evidence["conversation_id"] == .null)
        var metrics = try Ops.scrape(fixture) { $0.value("jcs_project_healthy", ["project": "p1"]) == 0 }
        #expect(metrics.value(
            "jcs_alerts_active", ["project": "p1", "rule": "sandbox_violation", "severity": "page", "escalation": "none"]) == 1)

        // Contain and recover: stop, then start again. The stopped project's series are gone.
        #expect(fixture.jcs("project", "stop", "p1").status == 0)
        metrics = try Ops.scrape(fixture) { !$0.samples.contains { $0.labels["project"] == "p1" && $0.name != "jcs_alerts_active" } }
        #expect(!metrics.samples.contains { $0.labels["project"] == "p1" && $0.name != "jcs_alerts_active" },
                "a stopped project's metrics must leave the scrape")
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)

        diagnostics = fixture.jcs("diagnostics", "p1").json
        #expect(diagnostics["health"]?["status"]?.stringValue == "ok", "\(diagnostics["health"] ?? .null)")
        #expect(diagnostics["health"]?["errors_in_window"]?.intValue == 0)
        #expect(diagnostics["health"]?["incarnation_started_at"]?.stringValue != nil)
        // The earlier errors stay visible, counted and marked.
        #expect((diagnostics["telemetry"]?["event_counts"]?["security.sandbox_violation"]?.intValue ?? 0) >= 1)
        let errors = diagnostics["telemetry"]?["recent_errors"]?.arrayValue ?? []
        let violation = try #require(errors.first { $0["event"] == "security.sandbox_violation" })
        #expect(violation["before_restart"] == true)
        metrics = try Ops.scrape(fixture) { $0.value("jcs_project_healthy", ["project": "p1"]) == 1 }
        #expect(metrics.value("jcs_project_healthy", ["project": "p1"]) == 1)
        #expect(!metrics.samples.contains { $0.name == "jcs_alerts_active" && $0.labels["project"] == "p1" },
                "the restarted project has no alert condition")
        // The alert raised before stays listed for the timeline.
        #expect(fixture.jcs("alerts", "p1").json["alerts"]?.arrayValue?.contains { $0["rule"] == "sandbox_violation" } == true)
    }
}
