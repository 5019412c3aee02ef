#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// A layer the host cannot provide refuses the run with the reason, unless the profile allows
/// that downgrade explicitly.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct FailClosedTests {
    /// procfs cannot be idmapped, so a root-owned project there has no writable workspace.
    let unidmappable = "/proc/sys"

    @Test func aRootOwnedProjectThatCannotBeIdmappedIsRefused() throws {
        let profile = try ProfileResolver.resolve(nameOrPath: "default")
        let filter = try SeccompProgram(profile: profile)
        do {
            _ = try Sandbox.prepare(profile: profile, root: unidmappable, filter: { filter })
            Issue.record("a workspace that cannot be idmapped was accepted")
        } catch {
            #expect(error.code == "host_lacks_layer")
            #expect(error.description.contains("idmapped mount of '/proc/sys' failed"))
            #expect(error.description.contains("does not allow this downgrade"))
        }
    }

    @Test func theAllowedDowngradeMountsTheWorkspaceReadOnly() throws {
        var profile = try ProfileResolver.resolve(nameOrPath: "default")
        profile.allowedDowngrades = [.idmappedMount]
        let filter = try SeccompProgram(profile: profile)
        let sandbox = try Sandbox.prepare(profile: profile, root: unidmappable, filter: { filter })
        let r = try sandbox.run(RunRequest(argv: ["/bin/sh", "-c", "ls /workspace; echo x > /workspace/kernel/new"]))
        let out = String(decoding: r.stdout, as: UTF8.self)
        #expect(out.contains("kernel\n"))
        #expect(r.exitCode != 0)
    }

    @Test func aMissingMountSourceNamesTheMountAndTheFix() throws {
        var profile = try ProfileResolver.resolve(nameOrPath: "default")
        profile.filesystem.mounts.append(.bind(source: "/nonexistent/tools", target: "/opt/tools", writable: false, optional: false))
        let project = TempDirectory()
        let filter = try SeccompProgram(profile: profile)
        do {
            _ = try Sandbox.prepare(profile: profile, root: project.path, filter: { filter })
            Issue.record("a missing mount source was accepted")
        } catch {
            #expect(error.code == "invalid_request")
            #expect(error.description.contains("filesystem.mounts["))
            #expect(error.description.contains("mark the mount optional"))
        }
    }
}

/// Landlock restricts writes to what the plan made writable; a writable bind is one of them.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct WritableMountTests {
    @Test func aWritableBindStaysWritableAndAReadOnlyOneDoesNot() throws {
        let scratch = TempDirectory(prefix: "jcs-scratch")
        // A plain bind keeps host ownership: the sandbox's host uid must own what it writes.
        chown(scratch.path, 65534, 65534)
        let shared = TempDirectory(prefix: "jcs-shared")
        chmod(shared.path, 0o755)
        shared.write("data", "host data\n")
        let h = try SandboxHarness { p in
            p.filesystem.mounts.append(.bind(source: scratch.path, target: "/scratch", writable: true, optional: false))
            p.filesystem.mounts.append(.bind(source: shared.path, target: "/shared", writable: false, optional: false))
        }
        let r = try h.sh("echo out > /scratch/made && cat /shared/data && echo no > /shared/data")
        #expect(scratch.read("made") == "out\n")
        #expect(r.out == "host data\n")
        #expect(r.err.contains("Read-only file system"))
        #expect(shared.read("data") == "host data\n")
    }
}
