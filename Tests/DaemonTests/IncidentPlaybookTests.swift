import Sandbox
import TestSupport
import Testing

/// The runbook's incident playbook, step by step, through `jcs --json` only: find the ids, pull
/// the timeline, contain (stop the conversation, stop the project), recover (fix and reload the
/// assets, start the project again), restart the daemon, and see diagnostics healthy.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .tags(.reliability))
struct IncidentPlaybookTests {
    @Test func playbookFromIdsToHealthyAfterRestart() throws {
        let fixture = try DaemonFixture()
        // An asset file that does not parse: the "loader degradation" the playbook fixes.
        _ = system2(["/bin/mkdir", "-p", fixture.projectRoot + "/.jido/commands"])
        fixture.directory.write("project/.jido/commands/broken.md", "---\nname: [unterminated\n---\nbody\n")
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        #expect(fixture.jcs("conversation", "start", "p1", "--id", "c1").json["id"]?.stringValue == "c1")
        #expect(fixture.jcs("conversation", "list", "p1").json["conversations"] == ["c1"])
        let message = fixture.jcs("conversation", "send", "p1", "c1", "read missing.txt", "--correlation-id", "incident-1")
        #expect(message.status == 0)
        #expect(message.json["kind"]?.stringValue == "user_message", "\(message.json)")
        let failed = fixture.jcs(
            "tool", "run", "p1", "fs.read", "--args", #"{"path":"missing.txt"}"#, "--conversation", "c1",
            "--correlation-id", "incident-1")
        #expect(failed.json["status"]?.stringValue == "failed")

        // 1. Identify the ids from the telemetry payloads.
        let events = fixture.jcs("events", "p1").json["events"]?.arrayValue ?? []
        let failure = try #require(events.last { $0["event"]?.stringValue == "tool.failed" })
        #expect(failure["project_id"]?.stringValue == "p1")
        #expect(failure["conversation_id"]?.stringValue == "c1")
        #expect(failure["correlation_id"]?.stringValue == "incident-1")
        let narrowed = fixture.jcs("events", "p1", "--conversation", "c1", "--correlation-id", "incident-1").json["events"]?.arrayValue ?? []
        #expect(!narrowed.isEmpty && narrowed.count < events.count)
        #expect(narrowed.allSatisfy { $0["conversation_id"] == "c1" && $0["correlation_id"] == "incident-1" })

        // 2. Pull the bounded timeline of that request.
        let timeline = fixture.jcs("incident", "p1", "c1", "--correlation-id", "incident-1", "--limit", "200")
        #expect(timeline.status == 0)
        let entries = timeline.json["entries"]?.arrayValue ?? []
        #expect(!entries.isEmpty)
        #expect(entries.allSatisfy { $0["correlation_id"]?.stringValue == "incident-1" })
        #expect(entries.contains { $0["event"]?.stringValue == "tool.failed" })
        #expect(entries.contains { $0["payload"]?["text"]?.stringValue == "read missing.txt" }, "\(entries)")
        let degraded = fixture.jcs("diagnostics", "p1").json
        #expect((degraded["assets"]?["error_count"]?.intValue ?? 0) > 0)

        // 3. Contain: stop the conversation (it refuses calls after), then the project.
        #expect(fixture.jcs("conversation", "stop", "p1", "c1").status == 0)
        let refused = fixture.jcs("tool", "run", "p1", "fs.list", "--conversation", "c1")
        #expect(refused.status == 1)
        #expect(refused.json["error"]?.stringValue == "unknown_conversation")
        #expect(fixture.jcs("project", "stop", "p1").status == 0)
        #expect(fixture.jcs("project", "list").json["projects"]?.arrayValue?.isEmpty == true)
        // The journal still answers for a stopped project.
        #expect(fixture.jcs("incident", "p1", "c1").json["entries"]?.arrayValue?.isEmpty == false)

        // 4. Recover: remove the broken asset, start the project again, reload its assets.
        _ = system2(["/bin/rm", "-f", fixture.projectRoot + "/.jido/commands/broken.md"])
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        let reload = fixture.jcs("reload-assets", "p1")
        #expect(reload.status == 0)
        #expect(reload.json["error_count"]?.intValue == 0)

        // 5. Restart the daemon: a graceful stop, then the project comes back from the journal,
        // and with it what the runbook reads: counts and health are rebuilt, not zeroed (the
        // incident's errors are still inside the health window).
        let beforeRestart = fixture.jcs("diagnostics", "p1").json
        #expect(fixture.daemon.stop() == 0)
        #expect(fixture.logLines.contains { $0["event"]?.stringValue == "daemon.stopped" })
        try fixture.daemon.start()
        let projects = fixture.jcs("project", "list").json["projects"]?.arrayValue ?? []
        #expect(projects.map { $0["id"]?.stringValue } == ["p1"])
        let healthy = fixture.jcs("diagnostics", "p1").json
        #expect(healthy["health"]?["status"] == beforeRestart["health"]?["status"])
        #expect(healthy["health"]?["errors_in_window"] == beforeRestart["health"]?["errors_in_window"])
        #expect(healthy["telemetry"]?["event_counts"]?["tool.failed"] == beforeRestart["telemetry"]?["event_counts"]?["tool.failed"])
        #expect(healthy["assets"]?["error_count"]?.intValue == 0)
        #expect(fixture.jcs("tool", "run", "p1", "fs.list", "--args", #"{"path":"."}"#).json["status"]?.stringValue == "completed")
    }
}
