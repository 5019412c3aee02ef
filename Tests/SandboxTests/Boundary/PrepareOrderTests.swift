#if canImport(Glibc)
import Glibc
#endif
import Sandbox
import TestSupport
import Testing

/// What prepare's reordering for cost (issue 10's bound) must keep: the host's root detached in
/// one step, the trap watcher made while the child builds its root yet in place before the tool's
/// first syscall, the network namespace joined at the clone still fresh with its loopback up, and
/// placeholders marked and owned like the root whatever path created them.
@Suite(.enabled(if: HostSupport.canSandbox, "\(HostSupport.reason)"), .serialized)
struct PrepareOrderTests {
    /// The set-up tmpfs and the host's root below it go in one detach: the sandbox's root is its
    /// own read-only tmpfs, listed once, with neither set-up directory nor any host mount left.
    @Test func theHostRootAndTheSetUpRootAreGone() throws {
        let h = try SandboxHarness()
        let r = try h.sh("cat /proc/self/mountinfo; echo ---; ls -a /; echo ---; ls /oldroot /newroot 2>&1; true")
        #expect(r.exitCode == 0, "\(r.err)")
        let parts = r.out.components(separatedBy: "---\n")
        #expect(parts.count == 3, "\(r.out)")
        guard parts.count == 3 else { return }
        // mountinfo: "id parent major:minor root mountpoint options ... - fstype source superoptions"
        let mounts = parts[0].split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let roots = mounts.filter { $0.count > 4 && $0[4] == "/" }
        #expect(roots.count == 1, "more than one mount at / (a set-up root stacked): \(parts[0])")
        if let root = roots.first {
            #expect(root[5].split(separator: ",").contains("ro"), "the root mount is writable: \(root)")
            let type = root.firstIndex(of: "-").map { root[$0 + 1] }
            #expect(type == "tmpfs", "the root is not the sandbox's tmpfs: \(root)")
        }
        for mount in mounts where mount.count > 4 {
            #expect(!mount[4].hasPrefix("/oldroot") && !mount[4].hasPrefix("/newroot"), "set-up mount left: \(mount)")
        }
        let names = Set(parts[1].split(separator: "\n").map(String.init))
        #expect(names.contains("workspace") && names.contains("usr"), "not the new root: \(names)")
        #expect(!names.contains("oldroot") && !names.contains("newroot"), "set-up directories visible: \(names)")
        // ls: "cannot access '/oldroot': No such file or directory", the same for /newroot.
        let missing = parts[2].split(separator: "\n").filter { $0.contains("No such file") }
        #expect(missing.count == 2 && missing[0].contains("/oldroot") && missing[1].contains("/newroot"), "\(parts[2])")
    }

    /// The watcher is made on a thread of its own while the child builds its root; prepare joins
    /// it, so the tool's very first open (no shell before it) of a host secret and of a masked
    /// workspace file is refused and reported.
    @Test func theToolsFirstOpenOfATrapIsReported() throws {
        let h = try SandboxHarness()
        h.project.write(".env", "SECRET=1\n")
        let secret = try h.run(["/bin/cat", "/etc/shadow"])
        #expect(secret.exitCode != 0 && secret.err.contains("Operation not permitted"), "\(secret.out) \(secret.err)")
        #expect(secret.violations(kind: "sandbox_violation").map(\.path) == ["/etc/shadow"], "\(secret.violations)")
        let masked = try h.run(["/bin/cat", "/workspace/.env"])
        #expect(masked.exitCode != 0 && !masked.out.contains("SECRET"), "\(masked.out) \(masked.err)")
        #expect(masked.violations(kind: "sensitive_path_denied").map(\.path) == ["/workspace/.env"], "\(masked.violations)")
    }

    /// The namespace made ahead is joined at the clone, after the plan: the sandbox still gets
    /// one nobody used (a new inode each time), with only its loopback, and up.
    @Test func theNetworkJoinedAtTheCloneIsFreshAndUp() throws {
        let h = try SandboxHarness()
        let script = "readlink /proc/self/ns/net; "
            + "grep -c : /proc/net/dev; python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(); "
            + "c=socket.create_connection(s.getsockname()); print(\"loopback ok\")'"
        let a = try h.sh(script)
        let b = try h.sh(script)
        #expect(a.exitCode == 0 && b.exitCode == 0, "\(a.err) \(b.err)")
        let first = a.out.split(separator: "\n").first.map(String.init)
        let second = b.out.split(separator: "\n").first.map(String.init)
        #expect(first != nil && first?.hasPrefix("net:[") == true && first != second, "a namespace was reused: \(a.out) / \(b.out)")
        for r in [a, b] {
            // /proc/net/dev: two header lines, then one line per interface: lo alone.
            #expect(r.out.contains("loopback ok"), "the loopback is not up: \(r.out) \(r.err)")
            #expect(r.out.split(separator: "\n").contains("1"), "interfaces other than lo: \(r.out)")
        }
        var host = stat()
        #expect(stat("/proc/self/ns/net", &host) == 0)
        #expect(first != "net:[\(host.st_ino)]", "the sandbox runs in the host's network namespace")
    }

    /// A placeholder is marked and owned like the root, through the descriptor that created it (a
    /// file) or opened it (a directory), whether or not its owner had to change; it goes with the
    /// last sandbox.
    @Test(
        .enabled(if: geteuid() == 0, "placeholders are a root monitor's (their marker is a trusted.* attribute)"),
        arguments: [(uid_t(0), gid_t(0)), (uid_t(4242), gid_t(4343))])
    func placeholdersAreMarkedAndOwnedLikeTheRoot(owner: (uid: uid_t, gid: gid_t)) throws {
        let h = try SandboxHarness()
        let p = h.project
        #expect(chown(p.path, owner.uid, owner.gid) == 0)
        let filter = try SeccompProgram(profile: h.profile)
        var sandbox: Sandbox? = try Sandbox.prepare(profile: h.profile, root: p.path, filter: { filter })
        for name in [".envrc", ".gitmodules", ".git", ".jido", ".vscode"] {
            var st = stat()
            #expect(lstat(p.file(name), &st) == 0, "no placeholder \(name) while the sandbox lives")
            #expect(st.st_uid == owner.uid && st.st_gid == owner.gid, "\(name) owned by \(st.st_uid):\(st.st_gid)")
            #expect(ProtectedPathTests.marker(p.file(name)) == 0, "\(name) is not marked")
        }
        let r = try sandbox!.run(RunRequest(argv: ["/bin/sh", "-c", "echo x > .envrc; echo x > .gitmodules; mkdir .git/hooks"]))
        #expect(r.exitCode != 0, "a protected placeholder was written: \(r.out) \(r.err)")
        sandbox = nil
        Sandbox.finishDetachedTeardown()
        #expect(directoryEntries(p.path).isEmpty, "placeholders left: \(directoryEntries(p.path))")
    }
}
