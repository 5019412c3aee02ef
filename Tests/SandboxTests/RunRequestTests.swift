#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct RunRequestTests {
    @Test func allowedVariablesReachTheToolAndOthersAreRefused() throws {
        let h = try SandboxHarness { $0.environment.allow = ["GREETING", "LC_*"] }
        let r = try h.run(["/bin/sh", "-c", "echo $GREETING $LC_ALL; env | sort | cut -d= -f1 | tr '\\n' ' '"],
                          env: [("GREETING", "hello"), ("LC_ALL", "C")])
        #expect(r.out.hasPrefix("hello C\n"))
        // Nothing of the caller's environment leaks: only the profile's set and the allowed ones.
        let names = Set(r.out.split(separator: "\n").last!.split(separator: " ").map(String.init))
        #expect(names.isSubset(of: Set(h.profile.environment.set.keys).union(["GREETING", "LC_ALL", "PWD", "SHLVL", "_"])))
        #expect(throws: SandboxError.self) { try h.run(["/bin/true"], env: [("AWS_SECRET_ACCESS_KEY", "x")]) }
    }

    @Test func missingCommandsAreReportedNotFound() throws {
        let h = try SandboxHarness()
        let r = try h.run(["no-such-command-here"])
        #expect(r.exitCode == 127)
        #expect(r.execError?.contains("No such file or directory") == true)
        let notExecutable = try h.sh("echo hi > plain.txt")
        #expect(notExecutable.exitCode == 0)
        let denied = try h.run(["/workspace/plain.txt"])
        #expect(denied.exitCode == 126)
    }

    @Test func anEmptyCommandIsRefused() throws {
        let h = try SandboxHarness()
        #expect(throws: SandboxError.self) { try h.run([]) }
    }

    @Test func aMissingRootIsRefusedBeforeAnythingStarts() throws {
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let filter = try SeccompProgram(profile: profile)
        #expect(throws: SandboxError.invalidRoot(path: "/nonexistent/jcs", reason: "No such file or directory")) {
            _ = try Sandbox.prepare(profile: profile, root: "/nonexistent/jcs", filter: { filter })
        }
    }
}
