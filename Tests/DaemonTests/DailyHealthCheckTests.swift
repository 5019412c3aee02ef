import Sandbox
import TestSupport
import Testing

/// The runbook's daily health checks, run against a real daemon through `jcs --json`.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct DailyHealthCheckTests {
    @Test func diagnosticsAreReachableAndEventCountsAdvance() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)

        let before = fixture.jcs("diagnostics", "p1")
        #expect(before.status == 0)
        #expect(before.json["project_id"]?.stringValue == "p1")
        #expect(before.json["health"]?["status"]?.stringValue == "ok")
        // A root-owned project under the default profile: each sandbox has a host uid of its own.
        #expect(before.json["sandbox"]?["sandbox_uid"] == ["state": "own"])
        let countsBefore = Self.total(before.json["telemetry"]?["event_counts"])

        let run = fixture.jcs("tool", "run", "p1", "shell.run", "--args", #"{"argv":["sh","-c","echo hi"]}"#)
        #expect(run.status == 0)
        #expect(run.json["status"]?.stringValue == "completed")
        #expect(run.json["output"]?["stdout"]?.stringValue == "hi\n")

        let after = fixture.jcs("diagnostics", "p1")
        #expect(Self.total(after.json["telemetry"]?["event_counts"]) > countsBefore)
        #expect((after.json["telemetry"]?["event_counts"]?["tool.completed"]?.intValue ?? 0) >= 1)
    }

    @Test func recentErrorsAreBoundedAndRedacted() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        // 101 calls the schema refuses (no sandbox needed), then one whose error message carries
        // a secret-looking path: the ring keeps 100 and the secret never leaves the daemon.
        for _ in 0...100 {
            #expect(fixture.jcs("tool", "run", "p1", "fs.read", "--args", #"{"path":1}"#).json["status"]?.stringValue == "failed")
        }
        let secret = "sk-" + String(repeating: "A1b2", count: 8)
        let leaked = fixture.jcs("tool", "run", "p1", "fs.read", "--args", "{\"path\":\"\(secret)\"}")
        #expect(leaked.json["status"]?.stringValue == "failed")

        let diagnostics = fixture.jcs("diagnostics", "p1")
        let errors = diagnostics.json["telemetry"]?["recent_errors"]?.arrayValue ?? []
        #expect(errors.count == 100)
        #expect((diagnostics.json["telemetry"]?["dropped"]?["recent_errors"]?.intValue ?? 0) >= 2)
        let text = JSONWriter.text(diagnostics.json)
        #expect(!text.contains(secret))
        #expect(text.contains("[REDACTED]"))
    }

    private static func total(_ counts: JSONValue?) -> Int {
        (counts?.objectValue ?? [:]).values.reduce(0) { $0 + ($1.intValue ?? 0) }
    }
}
