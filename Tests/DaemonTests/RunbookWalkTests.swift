#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// `docs/operations.md` as written: `scripts/runbook-walk` runs every command of its ```sh
/// blocks, in order, against a live daemon with an incident to look at (a failed call and a
/// sandbox violation in a conversation), through the real `jcs`, `curl` and `jq`.
@Suite(
    .enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"),
    .enabled(if: Ops.executable("/usr/bin/jq") != nil && Ops.executable("/usr/bin/curl") != nil,
             "the runbook's commands need jq and curl (scripts/setup installs them)"))
struct RunbookWalkTests {
    static let repository = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")

    @Test func everyCommandOfTheOperationsRunbookWorksAsWritten() throws {
        let fixture = try DaemonFixture()
        #expect(fixture.jcs("project", "start", fixture.projectRoot, "--id", "p1").status == 0)
        #expect(fixture.jcs("conversation", "start", "p1", "--id", "c1").status == 0)
        let failed = fixture.jcs(
            "tool", "run", "p1", "fs.read", "--args", #"{"path":"missing.txt"}"#, "--conversation", "c1", "--correlation-id", "incident-1")
        #expect(failed.json["status"]?.stringValue == "failed")
        let escape = fixture.jcs(
            "tool", "run", "p1", "fs.read", "--args", #"{"path":"../outside.txt"}"#, "--conversation", "c1", "--correlation-id", "incident-1")
        #expect(escape.json["reason"]?.stringValue == "policy_denied")

        let scratch = TempDirectory(prefix: "jcs-runbook")
        let path = String(cString: getenv("PATH"))
        let walk = Ops.run(
            ["/bin/bash", Self.repository + "/scripts/runbook-walk", "--socket", fixture.daemon.socketPath, "--project", "p1",
             "--conversation", "c1", "--correlation-id", "incident-1", "--root", fixture.projectRoot, "--scratch", scratch.path],
            environment: ["PATH=\(BuiltProducts.directory):\(path)"], directory: scratch)
        #expect(walk.status == 0, "the runbook does not work as written:\n\(walk.out)\n\(walk.err)")
        // It really walked the page: the daily checks, the playbook and the recovery.
        for step in ["jcs project list", "jcs incident PROJECT CONVERSATION", "jcs conversation stop", "jcs project start ROOT",
                     "jcs serve --config /etc/jcs/config.json --check-config", "curl -s --unix-socket"] {
            #expect(walk.out.contains("ok " + step), "no successful '\(step)' in:\n\(walk.out)")
        }
        // And left the project running and healthy, as the recovery step says.
        #expect(fixture.jcs("diagnostics", "p1").json["health"]?["status"] == "ok")
    }
}
