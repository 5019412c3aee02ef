#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// Paths the tool must not reach: the kernel answers (EROFS, ENOENT, EACCES), and the host's
/// files are unchanged afterwards.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct FilesystemEscapeTests {
    @Test func writesOutsideTheWorkspaceFailReadOnly() throws {
        let h = try SandboxHarness()
        let marker = "jcs-escape-\(getpid())"
        for target in ["/etc/\(marker)", "/usr/\(marker)", "/\(marker)", "/dev/\(marker)", "/proc/\(marker)"] {
            let r = try h.probe("open-write", target)
            #expect(r.out.hasPrefix("open-write errno="), "write to \(target) was allowed: \(r.out)")
            #expect(!r.out.contains("errno=0"))
            #expect(access(target, F_OK) != 0, "\(target) appeared on the host")
        }
        // /etc and /usr are read-only binds: EROFS, not merely a permission error.
        #expect(try h.probe("open-write", "/usr/x").out == "open-write errno=\(EROFS)\n")
    }

    @Test func workspaceWritesLandOnTheHostWithTheProjectOwner() throws {
        let h = try SandboxHarness()
        let r = try h.sh("echo from-sandbox > made.txt && mkdir -p sub && echo two > sub/f")
        #expect(r.exitCode == 0, "\(r.err)")
        #expect(h.project.read("made.txt") == "from-sandbox\n")
        var st = stat()
        #expect(stat(h.project.file("made.txt"), &st) == 0)
        // The project is owned by root; the idmapped workspace stores the tool's files as root too.
        #expect(st.st_uid == 0 && st.st_gid == 0)
    }

    @Test func hostSecretsAreNotThere() throws {
        let secretDir = TempDirectory(prefix: "jcs-host-secret")
        secretDir.write("token", "s3cret")
        let h = try SandboxHarness()
        let r = try h.sh("cat /etc/shadow; ls /root; cat \(secretDir.file("token")); ls /home; echo done")
        #expect(r.out == "done\n")
        #expect(!r.out.contains("s3cret") && !r.err.contains("s3cret"))
        // /etc/shadow, /root and /home are reporting traps now (SensitivePathTrapTests).
        #expect(r.err.contains("/etc/shadow: Operation not permitted"))
        #expect(r.err.contains("/root"))
        #expect(r.err.contains("\(secretDir.file("token")): No such file or directory"))
    }

    @Test func dotDotAndSymlinksResolveInsideTheSandboxRoot() throws {
        let secretDir = TempDirectory(prefix: "jcs-host-secret")
        secretDir.write("token", "s3cret")
        let h = try SandboxHarness()
        symlink(secretDir.file("token"), h.project.file("abs-link"))
        symlink("../../../../../../../../\(secretDir.path)/token", h.project.file("rel-link"))
        symlink("/etc/shadow", h.project.file("shadow-link"))
        let r = try h.sh(
            "cat abs-link; cat rel-link; cat shadow-link; cat /workspace/../../../\(secretDir.path)/token; "
                + "cd /workspace/../..; pwd; ls")
        #expect(!r.out.contains("s3cret") && !r.err.contains("s3cret"))
        #expect(r.err.contains("abs-link: No such file or directory"))
        #expect(r.err.contains("rel-link: No such file or directory"))
        // /etc/shadow inside is a reporting trap (SensitivePathTrapTests): the link reaches it, not the host's.
        #expect(r.err.contains("shadow-link: Operation not permitted"))
        #expect(r.violations(kind: "sandbox_violation").compactMap(\.path) == ["/etc/shadow"])
        // `..` above the root stays at the sandbox's own root.
        #expect(r.out.hasPrefix("/\n"))
        #expect(r.out.contains("workspace"))
    }

    @Test func procRootLinksAndTheMonitorAreOutOfReach() throws {
        let h = try SandboxHarness()
        let monitor = getpid()
        let r = try h.sh(
            "ls /proc/self/root/; echo ---; ls /proc/1/root/ 2>&1; echo ---; ls /proc/\(monitor)/ 2>&1; echo ---; "
                + "ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '")
        let parts = r.out.components(separatedBy: "---\n")
        #expect(parts.count == 4)
        // /proc/self/root is the sandbox's root, not the host's.
        // (`/root` and `/home` exist inside only as reporting traps; `/srv` and `/boot` are the host's.)
        #expect(parts[0].contains("workspace") && !parts[0].contains("srv\n") && !parts[0].contains("boot\n"))
        // init is not dumpable: its root link is closed to the tool.
        #expect(parts[1].contains("Permission denied"))
        // The monitor lives in another pid namespace: its pid does not exist here.
        #expect(parts[2].contains("No such file or directory"))
        // Only the sandbox's own processes are visible (init, sh, ls, grep, sort, tr...).
        let pids = parts[3].split(separator: " ").compactMap { Int($0) }
        #expect(!pids.isEmpty && pids.allSatisfy { $0 < 50 }, "host pids visible: \(pids)")
    }

    @Test func procSysIsReadOnly() throws {
        let h = try SandboxHarness()
        let r = try h.probe("open-write", "/proc/sys/kernel/core_pattern")
        #expect(r.out == "open-write errno=\(EROFS)\n" || r.out == "open-write errno=\(EACCES)\n")
        let vm = try h.probe("open-write", "/proc/sys/vm/drop_caches")
        #expect(vm.out.contains("errno="))
    }

    @Test func tmpIsPrivateAndSizeLimited() throws {
        let host = "/tmp/jcs-visible-\(getpid())"
        let fd = open(host, O_CREAT | O_WRONLY, 0o644)
        close(fd)
        defer { unlink(host) }
        let h = try SandboxHarness { $0.filesystem.tmpSizeMB = 4 }
        let r = try h.sh("ls \(host) 2>&1; dd if=/dev/zero of=/tmp/fill bs=1M count=16 2>&1; echo rc=$?")
        #expect(r.out.contains("No such file or directory"))
        #expect(r.out.contains("No space left on device"))
        #expect(r.out.contains("rc=1"))
    }
}
