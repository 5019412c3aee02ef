import Sandbox
import TestSupport
import Testing

/// An `outside_root_allowlist` exception is usable: the policy lets the path through, records
/// `security.sandbox_exception_used` with the entry's reason code, and the sandbox has the path
/// bound in (read-only unless the entry says `writable`), so a real sandboxed read succeeds. A
/// sibling the entry does not cover is neither allowed nor there.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"))
struct OutsideRootExceptionTests {
    @Test func anAllowedPathIsBoundInAndASiblingIsNot() throws {
        // Outside the fixture's private directory: a bind keeps host ownership, so the sandbox's
        // host user (65534, docs/profiles.md) must be able to reach the path, as it can a
        // toolchain under /opt. The writable entry is that user's.
        let outside = TempDirectory(prefix: "jcs-exception")
        _ = system2(["/bin/mkdir", "-p", outside.file("shared"), outside.file("sibling"), outside.file("cache")])
        outside.write("shared/tool.txt", "from the shared toolchain\n")
        outside.write("sibling/secret.txt", "sibling secret\n")
        _ = system2(["/bin/chmod", "755", outside.path, outside.file("shared"), outside.file("sibling")])
        _ = system2(["/bin/chown", "65534:65534", outside.file("cache")])
        let fixture = try DaemonFixture()
        let shared = outside.file("shared")
        let cache = outside.file("cache")
        let sibling = outside.file("sibling")
        let allowlist: JSONValue = [
            ["path": .string(shared), "reason_code": "shared_toolchain"],
            ["path": .string(cache), "reason_code": "build_cache", "writable": true],
        ]
        let started = fixture.jcs(
            "project", "start", fixture.projectRoot, "--id", "p1", "--option", "outside_root_allowlist=" + JSONWriter.text(allowlist))
        #expect(started.status == 0, "\(started.json) \(started.stderr)")

        // fs.read through the policy and the sandbox.
        let read = fixture.jcs("tool", "run", "p1", "fs.read", "--args", JSONWriter.text(["path": .string(shared + "/tool.txt")]))
        #expect(read.json["status"]?.stringValue == "completed", "\(read.json)")
        #expect(read.json["output"]?["content"]?.stringValue == "from the shared toolchain\n")
        let events = fixture.jcs("events", "p1").json["events"]?.arrayValue ?? []
        let used = try #require(events.last { $0["event"] == "security.sandbox_exception_used" })
        #expect(used["payload"]?["reason_code"] == "shared_toolchain")
        #expect(fixture.jcs("alerts", "p1").json["alerts"]?.arrayValue?.contains {
            $0["rule"] == "sandbox_exception_used" && $0["severity"] == "warning"
        } == true)
        #expect(fixture.jcs("diagnostics", "p1").json["health"]?["status"] == "ok", "an approved exception degrades nothing")

        // A program in the sandbox sees the same file, and cannot write next to it (read-only).
        let cat = fixture.jcs("tool", "run", "p1", "shell.run", "--args", JSONWriter.text(["argv": ["cat", .string(shared + "/tool.txt")]]))
        #expect(cat.json["output"]?["stdout"]?.stringValue == "from the shared toolchain\n", "\(cat.json)")
        let write = fixture.jcs(
            "tool", "run", "p1", "shell.run",
            "--args", JSONWriter.text(["argv": ["sh", "-c", .string("echo x > '\(shared)/new.txt'")]]))
        #expect(write.json["output"]?["exit_code"]?.intValue != 0, "\(write.json)")
        #expect(readTextFile(shared + "/new.txt") == nil, "a read-only exception must not be writable")

        // A writable entry is.
        let build = fixture.jcs(
            "tool", "run", "p1", "shell.run",
            "--args", JSONWriter.text(["argv": ["sh", "-c", .string("echo built > '\(cache)/out.txt'")]]))
        #expect(build.json["status"]?.stringValue == "completed", "\(build.json)")
        #expect(readTextFile(cache + "/out.txt") == "built\n")

        // The sibling: refused by the policy, and absent in the sandbox.
        let denied = fixture.jcs("tool", "run", "p1", "fs.read", "--args", JSONWriter.text(["path": .string(sibling + "/secret.txt")]))
        #expect(denied.json["reason"]?.stringValue == "policy_denied", "\(denied.json)")
        let peek = fixture.jcs(
            "tool", "run", "p1", "shell.run", "--args", JSONWriter.text(["argv": ["sh", "-c", .string("cat '\(sibling)/secret.txt'")]]))
        #expect(peek.json["output"]?["stdout"]?.stringValue?.contains("sibling secret") != true, "\(peek.json)")
        let stderr = peek.json["output"]?["stderr"]?.stringValue ?? ""
        #expect(stderr.contains("No such file"), "\(peek.json)")
    }

    @Test func writableIsForPathEntriesOnly() throws {
        let fixture = try DaemonFixture()
        let refused = fixture.jcs(
            "project", "start", fixture.projectRoot, "--id", "p1", "--option",
            #"outside_root_allowlist=[{"pattern":"/opt/*/lib/**","reason_code":"sdk","writable":true}]"#)
        #expect(refused.status != 0)
        #expect("\(refused.json) \(refused.stderr)".contains("outside_root_allowlist[0].writable"), "\(refused.json) \(refused.stderr)")
    }
}
